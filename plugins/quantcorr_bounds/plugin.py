"""Entry point of the bounds plugin (registers lazily: no heavy imports here)."""

from __future__ import annotations

from typing import Any, Callable

from quantcorr import hookimpl
from quantcorr.registration import SolverRef

CJWR = "Cavalcanti, Jones, Wiseman, Reid, PRA 80, 032112 (2009)"
SDP = "finite-setting SDP (Cavalcanti & Skrzypczyk, Rep. Prog. Phys. 80, 024001 (2017))"
COMM = "communication cost: Sainz et al., PRA 94, 012308 (2016)"


@hookimpl
def register_certifiers(register: Callable[[Any], None]) -> None:
    register(SolverRef("comm-cost", "quantcorr_bounds.certifier:CommCost", questions=("steering",),
                       rigor="certified", requires=("scipy", "clarabel"),
                       targets=("state+finite", "state+pvm/povm", "multipartite", "assemblage", "assemblage(n>=2)"),
                       description="communication cost of steering: certified log2(1+LHS robustness) lower "
                                   "bound, explicit t-bit models as upper bound, analytic infinite cases"))


@hookimpl
def register_problems(register: Callable[[Any], None]) -> None:
    from quantcorr.problems import Problem

    werner = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0)
    iso = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    for name, ms, ref, cite in (("xz", "xz", 2**-0.5, CJWR), ("paulis", "paulis", 3**-0.5, CJWR),
                                ("cube", "cube", None, SDP)):
        register(Problem(f"comm-werner-{name}", "werner", ms, reference=ref,
                         reference_kind="exact" if ref else "sdp", citation=f"{cite}; {COMM}", grid=werner,
                         suites=("communication",)))
    for k in (2, 3, 4):
        register(Problem(f"comm-isotropic3-mubs{k}", "isotropic", f"mubs:{k}", params={"d": 3}, reference=None,
                         reference_kind="sdp", citation=f"{SDP}; {COMM}", grid=iso, suites=("communication",)))


@hookimpl
def register_commands(cli: Any) -> None:
    from .cli import bounds

    cli.add_command(bounds)
