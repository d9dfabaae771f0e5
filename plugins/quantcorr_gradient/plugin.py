"""Entry point of the gradient plugin. Imports nothing heavy: torch is loaded only when a solver
runs or `quantcorr verify` is invoked."""

from __future__ import annotations

from typing import Any, Callable

from quantcorr import hookimpl
from quantcorr.registration import SolverRef

SOLVERS = (
    SolverRef("gradient-lhs", "quantcorr_gradient.lhs:GradientLhs", questions=("steering",), rigor="numerical",
              requires=("torch",), targets=("state+finite", "state+pvm/povm"),
              description="gradient-trained local-hidden-state model (Jia et al.; "
                                               "von Selzam & Marquardt)"),
    SolverRef("gradient-lhv", "quantcorr_gradient.lhv:GradientLhv", questions=("bell",), rigor="numerical",
              requires=("torch",), targets=("state+finite", "state+pvm/povm", "multipartite", "behaviour"),
              description="gradient-trained local-hidden-variable model (von Selzam & "
                                               "Marquardt, AutoLHVs)"),
)


@hookimpl
def register_certifiers(register: Callable[[Any], None]) -> None:
    for ref in SOLVERS:
        register(ref)


@hookimpl
def register_commands(cli: Any) -> None:
    from .cli import verify

    cli.add_command(verify)


WJD = "Wiseman, Jones, Doherty, PRL 98, 140402 (2007)"
POLYTOPE = "polytope-lhs certified bracket [0.6046, 0.6124] (issue 11); midpoint as reference"
# A weakly steerable random two-qubit state (the case of issue 11's false verdict): the core's
# `random` state with seed 11 (rho = G G^dag / tr, G a 4x4 complex Ginibre matrix from default_rng(11)).
RANDOM_BRACKET = (0.913549, 0.924613)  # polytope-lhs, certified (benchmarks/gradient_lhs.md)


@hookimpl
def register_problems(register: Callable[[Any], None]) -> None:
    """Suite `gradient-accuracy` (issue 11): known answers off the cases the solver was tuned on
    (finite sets: sdp-lhs; continuous: analytic values or certified polytope-lhs brackets)."""
    from math import sqrt

    from quantcorr.problems import Problem

    grid = tuple(round(0.25 + 0.05 * i, 10) for i in range(11))
    suite = ("gradient-accuracy",)
    for name, meas, ref, kind, cite in (
            ("cube", "cube", 1 / sqrt(3), "exact", "sdp-lhs; four settings of a cube: 1/sqrt(3)"),
            ("icosahedron", "icosahedron", 0.539345, "sdp", "sdp-lhs (issue 11)"),
            ("pvm", "pvm", 0.5, "exact", WJD),
            ("povm", "povm", 0.5, "exact", "Zhang & Chitambar, PRL 132, 250201 (2024)")):
        register(Problem(f"gradient-werner-{name}", "werner", meas, reference=ref, reference_kind=kind,
                         citation=cite, grid=grid, suites=suite))
    register(Problem("gradient-isotropic3-pvm", "isotropic", "pvm", params={"d": 3}, reference=5 / 12,
                     citation=WJD, grid=grid, suites=suite))
    register(Problem("gradient-partially-entangled-pvm", "partially_entangled", "pvm", params={"theta": 0.39269908},
                     reference=0.6085, reference_kind="bracket", citation=POLYTOPE, grid=grid, suites=suite))
    register(Problem("gradient-random-state-pvm", "random", "pvm", params={"seed": 11},
                     reference=round(sum(RANDOM_BRACKET) / 2, 6), reference_kind="bracket",
                     citation=f"polytope-lhs certified bracket [{RANDOM_BRACKET[0]}, {RANDOM_BRACKET[1]}]; midpoint "
                              "as reference; --state random --param seed=11", grid=tuple(round(0.75 + 0.025 * i, 10) for i in range(11)),
                     suites=suite))
