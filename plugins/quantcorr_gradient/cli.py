"""`quantcorr verify MODEL`: reload a trained gradient-lhs or gradient-lhv model (a model file or a
training checkpoint) and evaluate its loss on fresh measurements.

For an LHS model the loss is the assemblage trace distance (steering: the first party measures
MEASUREMENTS); for an LHV model the total variation of the joint distribution (every party
measures MEASUREMENTS). Exit status 0 when the mean loss is below the tolerance (the model's own
unless --tolerance is given; for a checkpoint, 1 % of the product model's loss), 1 otherwise;
user errors exit with 2 like every quantcorr command.
"""

from __future__ import annotations

import click

from quantcorr.cli.commands import MEAS_HELP, STATE_HELP, parse_params, write_json_output


def verify_model(model_path: str, state: str, params: tuple[str, ...], measurements: str, samples: int,
                 seed: int, tolerance: float | None) -> dict:
    """Mean and max loss of a saved model on `samples` fresh measurements (finite sets: all)."""
    import torch

    from quantcorr.measurements import measurements_from_spec
    from quantcorr.states import state_from_spec

    from . import storage

    st = state_from_spec(state, parse_params(params))
    meas = measurements_from_spec(measurements, st.dims[0])
    kind = storage.kind_of(model_path)
    if kind == "lhv-model" or (kind == "checkpoint" and _checkpoint_model(model_path) == "lhv"):
        model, meta, losses_fn, batch = _lhv(model_path, st, meas, samples, seed)
    else:
        model, meta, losses_fn, batch = _lhs(model_path, st, meas, samples, seed)
    with torch.no_grad():
        losses = losses_fn(model.losses, batch)
        product = losses_fn(model.product_losses, batch).mean().item()
    mean = losses.mean().item()
    if tolerance is not None:
        tol = tolerance
    elif "tolerance" in meta:
        tol = float(meta["tolerance"])
    else:  # a training checkpoint: the calibrated default rule (session.py)
        tol = 0.01 * product
    classical = "local" if kind == "lhv-model" or meta.get("model") == "lhv" else "unsteerable"
    return {"model": str(model_path), "state": st.describe(), "measurements": meas.name, "samples": int(losses.numel()),
            "seed": seed, "loss_mean": mean, "loss_max": losses.max().item(), "loss_product": product,
            "tolerance": tol, "verdict": classical if mean < tol else "inconclusive",
            "trained_on": meta.get("state", meta.get("target")), "trained_loss_mean": meta.get("loss_mean")}


def _checkpoint_model(path: str) -> str | None:
    from . import storage

    return storage.load(path, "checkpoint")[1].get("meta", {}).get("model")


def _lhs(path, st, meas, samples, seed):
    import torch

    from quantcorr.errors import DimensionError

    from .lhs_model import MeasurementSampler, load_model

    model, meta = load_model(path)
    if st.n_parties != 2 or (st.dims[0], st.dims[-1]) != (model.d_a, model.d_b):
        raise DimensionError(f"model is for dimensions ({model.d_a}, {model.d_b}); state {st.describe()} has {st.dims}")
    model.set_state(st)
    batch = MeasurementSampler(meas, torch.float64, torch.device("cpu")).reference(samples, seed)
    return model, meta, lambda fn, b: torch.cat([fn(c) for c in torch.split(b, 4096)]), batch


def _lhv(path, st, meas, samples, seed):
    import torch

    from quantcorr.errors import DimensionError
    from quantcorr.measurements import MeasurementSet

    from .lhv_model import DirectionSampler, QubitLhvModel, distribution_from_state, load_lhv_model

    model, meta = load_lhv_model(path)
    if isinstance(model, QubitLhvModel):
        if st.n_parties != model.n or any(d != 2 for d in st.dims) or meas.name != "pvm":
            raise DimensionError(f"model is for {model.n} qubits under pvm; got {st.describe()} ({st.dims}) | "
                                 f"{meas.name}")
        model.set_state(st.rho)
        batch = DirectionSampler(model.n, torch.float64, torch.device("cpu")).reference(samples, seed)[0]
    else:
        shape = ((len(meas.elements),) * st.n_parties, (meas.elements.shape[1],) * st.n_parties) \
            if isinstance(meas, MeasurementSet) else None
        if shape != (model.settings, model.outcomes):
            raise DimensionError(f"model is for settings {model.settings} and outcomes {model.outcomes}; got "
                                 f"{st.describe()} | {meas.name}")
        model.set_distribution(distribution_from_state(st.rho, st.dims, [meas.elements] * st.n_parties))
        batch = None
    return model, meta, lambda fn, b: fn(b), batch


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False))
@click.option("--state", "-s", required=True, help=STATE_HELP)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="state parameter, e.g. v=0.45")
@click.option("--measurements", "-m", required=True, help=MEAS_HELP)
@click.option("--samples", default=2000, show_default=True, type=click.IntRange(1, 10**6),
              help="fresh measurements (tuples for an LHV model) to sample (pvm/povm)")
@click.option("--seed", default=777, show_default=True, type=click.IntRange(0, 2**62),
              help="seed of the fresh measurements")
@click.option("--tolerance", type=click.FloatRange(0, 0.1, min_open=True), default=None,
              help="loss tolerance (default: the model's)")
@click.option("--json", "json_path", metavar="PATH", help="write the report as JSON ('-' for stdout)")
@click.pass_context
def verify(ctx: click.Context, model_path: str, state: str, params: tuple[str, ...], measurements: str,
           samples: int, seed: int, tolerance: float | None, json_path: str | None) -> None:
    """Reload a gradient-lhs or gradient-lhv MODEL (.pt) and evaluate its loss for STATE on fresh MEASUREMENTS."""
    report = verify_model(model_path, state, params, measurements, samples, seed, tolerance)
    if json_path != "-":
        from quantcorr.cli.render import console, fmt

        style = "yellow" if report["verdict"] == "inconclusive" else "green"
        console.print(f"[bold]verify[/] {report['model']}: {report['state']} | {report['measurements']}, "
                      f"{report['samples']} measurements")
        console.print(f"  loss mean {fmt(report['loss_mean'])}, max {fmt(report['loss_max'])}, tolerance "
                      f"{fmt(report['tolerance'])}: [{style}]{report['verdict']}[/]")
    if json_path:
        write_json_output(json_path, report)
    if report["verdict"] == "inconclusive":
        ctx.exit(1)
