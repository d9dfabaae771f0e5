"""`quantcorr verify MODEL`: reload a trained LHS model and evaluate its loss on fresh measurements.

Exit status 0 when the mean loss is below the tolerance (the model's own unless --tolerance is
given), 1 otherwise; user errors exit with 2 like every quantcorr command.
"""

from __future__ import annotations

import click

from quantcorr.cli.commands import MEAS_HELP, STATE_HELP, parse_params, write_json_output


def verify_model(model_path: str, state: str, params: tuple[str, ...], measurements: str, samples: int,
                 seed: int, tolerance: float | None) -> dict:
    """Mean and max loss of a saved model on `samples` fresh measurements (finite sets: all)."""
    import numpy as np
    import torch

    from quantcorr.errors import DimensionError
    from quantcorr.measurements import measurements_from_spec
    from quantcorr.states import state_from_spec

    from .model import MeasurementSampler, load_model

    model, meta = load_model(model_path)
    st = state_from_spec(state, parse_params(params))
    meas = measurements_from_spec(measurements, st.dims[0])
    if st.n_parties != 2 or (st.dims[0], st.dims[-1]) != (model.d_a, model.d_b):
        raise DimensionError(f"model is for dimensions ({model.d_a}, {model.d_b}); state {st.describe()} has {st.dims}")
    model.set_state(st)
    batch = MeasurementSampler(meas, torch.float64, torch.device("cpu")).reference(samples, seed)
    with torch.no_grad():
        losses = torch.cat([model.losses(chunk) for chunk in torch.split(batch, 4096)])
    tol = float(meta.get("tolerance", 5e-3)) if tolerance is None else tolerance
    mean = losses.mean().item()
    return {"model": str(model_path), "state": st.describe(), "measurements": meas.name, "samples": int(losses.numel()),
            "seed": seed, "loss_mean": mean, "loss_max": losses.max().item(), "tolerance": tol,
            "verdict": "unsteerable" if mean < tol else "inconclusive", "trained_on": meta.get("state"),
            "trained_loss_mean": meta.get("loss_mean")}


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False))
@click.option("--state", "-s", required=True, help=STATE_HELP)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="state parameter, e.g. v=0.45")
@click.option("--measurements", "-m", required=True, help=MEAS_HELP)
@click.option("--samples", default=2000, show_default=True, help="fresh measurements to sample (pvm/povm)")
@click.option("--seed", default=777, show_default=True, help="seed of the fresh measurements")
@click.option("--tolerance", type=float, default=None, help="loss tolerance (default: the model's)")
@click.option("--json", "json_path", metavar="PATH", help="write the report as JSON ('-' for stdout)")
@click.pass_context
def verify(ctx: click.Context, model_path: str, state: str, params: tuple[str, ...], measurements: str,
           samples: int, seed: int, tolerance: float | None, json_path: str | None) -> None:
    """Reload a gradient-lhs MODEL (.pt) and evaluate its loss for STATE on fresh MEASUREMENTS."""
    report = verify_model(model_path, state, params, measurements, samples, seed, tolerance)
    if json_path != "-":
        from quantcorr.cli.render import console, fmt

        style = "green" if report["verdict"] == "unsteerable" else "yellow"
        console.print(f"[bold]verify[/] {report['model']}: {report['state']} | {report['measurements']}, "
                      f"{report['samples']} measurements")
        console.print(f"  loss mean {fmt(report['loss_mean'])}, max {fmt(report['loss_max'])}, tolerance "
                      f"{fmt(report['tolerance'])}: [{style}]{report['verdict']}[/]")
    if json_path:
        write_json_output(json_path, report)
    if report["verdict"] != "unsteerable":
        ctx.exit(1)
