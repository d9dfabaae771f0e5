"""`quantcorr bounds`: closed-form bounds on the communication cost of steering (no SDP).

    quantcorr bounds mub --d 3 --v 0.8        # isotropic state, d+1 MUBs
    quantcorr bounds clifford --d 16 --v 1    # isotropic state, log2(d) anticommuting Cliffords
    quantcorr bounds approx --epsilon 0.05    # pure two-qubit state, PVMs, trace-distance error
"""

from __future__ import annotations

import click

from quantcorr.cli.commands import write_json_output

CITATION = "Sainz, Aolita, Brunner, Gallego, Skrzypczyk, PRA 94, 012308 (2016)"
JSON_OPT = click.option("--json", "json_path", metavar="PATH", help="write the bound as JSON ('-' for stdout)")


def _emit(report: dict, json_path: str | None) -> None:
    if json_path:
        write_json_output(json_path, report)
        if json_path == "-":
            return
    value = report["bits_lower"]
    strict = "> " if report.get("strict") else ">= "
    click.echo(f"{report['case']}: bits {strict}{value:.6g}" +
               (f" (1 + 2 nu >= {report['one_plus_2nu']:.6g})" if "one_plus_2nu" in report else "") +
               f"  [closed form, {CITATION}]")


@click.group()
def bounds() -> None:
    """Closed-form lower bounds on the bits Alice must send Bob to simulate steering."""


@bounds.command()
@click.option("--d", "d", type=int, required=True, help="local dimension (a prime power)")
@click.option("--v", "v", type=float, default=1.0, show_default=True, help="visibility of the isotropic state")
@JSON_OPT
def mub(d: int, v: float, json_path: str | None) -> None:
    """Isotropic state v|phi+><phi+| + (1-v) I/d^2 measured in all d+1 MUBs."""
    from .closed_forms import isotropic_mub_bits, isotropic_mub_value

    _emit({"case": f"isotropic d={d}, v={v:g}, {d + 1} MUBs", "d": d, "v": v,
           "one_plus_2nu": isotropic_mub_value(d, v), "bits_lower": isotropic_mub_bits(d, v),
           "rigor": "certified", "citation": CITATION}, json_path)


@bounds.command()
@click.option("--d", "d", type=int, required=True, help="local dimension (a power of two)")
@click.option("--v", "v", type=float, default=1.0, show_default=True, help="visibility of the isotropic state")
@JSON_OPT
def clifford(d: int, v: float, json_path: str | None) -> None:
    """Isotropic state measured with log2(d) anticommuting Clifford observables."""
    from .closed_forms import clifford_bits

    _emit({"case": f"isotropic d={d}, v={v:g}, log2(d) anticommuting Clifford observables", "d": d, "v": v,
           "bits_lower": clifford_bits(d, v), "rigor": "certified", "citation": CITATION}, json_path)


@bounds.command()
@click.option("--epsilon", type=float, required=True, help="trace-distance error of the simulation, in (0, 1/2)")
@JSON_OPT
def approx(epsilon: float, json_path: str | None) -> None:
    """Approximate simulation of a pure two-qubit state's PVM assemblage within trace distance epsilon."""
    from .closed_forms import approximate_bits

    _emit({"case": f"pure two-qubit state, all PVMs, error {epsilon:g}", "epsilon": epsilon,
           "bits_lower": approximate_bits(epsilon), "strict": True, "rigor": "certified", "citation": CITATION},
          json_path)
