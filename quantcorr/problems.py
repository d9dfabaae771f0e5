"""Problems: a state family, a measurement family, a question and a reference value.

The core catalogue below is registered like any plugin's problems (hook `register_problems`);
reference values and citations are those of REFERENCE.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import sqrt
from typing import Callable

from .hookspecs import hookimpl
from .measurements import MeasurementSet, MeasurementSpace, measurements_from_spec
from .states import state_from_spec
from .threshold import VisibilityFamily


@dataclass(frozen=True)
class Problem:
    """A critical-visibility question: for which v does `state` (with `params`, v excluded) mixed
    with white noise stay classical under `measurements`? `reference` is the known threshold
    (None when open); `reference_kind` says "exact" or "lower-bound"."""

    name: str
    state: str
    measurements: str
    question: str = "steering"
    params: dict = field(default_factory=dict)
    reference: float | None = None
    reference_kind: str = "exact"
    citation: str = ""
    grid: tuple[float, ...] = ()
    suites: tuple[str, ...] = ()

    def family(self) -> VisibilityFamily:
        return VisibilityFamily(state_from_spec(self.state, {**self.params, "v": 1.0}),
                                window=(min(self.grid), max(self.grid)))

    def measurement_family(self) -> MeasurementSet | MeasurementSpace:
        return measurements_from_spec(self.measurements, self.family().base.dims[0])

    def to_json(self) -> dict:
        return {"name": self.name, "state": self.state, "params": self.params, "measurements": self.measurements,
                "question": self.question, "reference": self.reference, "reference_kind": self.reference_kind,
                "citation": self.citation}


def _grid(lo: float, hi: float, n: int) -> tuple[float, ...]:
    return tuple(round(lo + (hi - lo) * k / (n - 1), 6) for k in range(n))


WERNER_GRID = _grid(0.40, 0.60, 11)
CJWR = "Cavalcanti, Jones, Wiseman, Reid, PRA 80, 032112 (2009)"
WJD = "Wiseman, Jones, Doherty, PRL 98, 140402 (2007)"

CATALOGUE: tuple[Problem, ...] = (
    Problem("werner-xz", "werner", "xz", reference=1 / sqrt(2), citation=CJWR, grid=_grid(0.60, 0.80, 11),
            suites=("werner",)),
    Problem("werner-paulis", "werner", "paulis", reference=1 / sqrt(3), citation=CJWR, grid=WERNER_GRID,
            suites=("werner",)),
    Problem("werner-pvm", "werner", "pvm", reference=0.5, citation=WJD, grid=WERNER_GRID, suites=("werner",)),
    Problem("werner-povm", "werner", "povm", reference=0.5,
            citation="Zhang & Chitambar, PRL 132, 250201 (2024)", grid=WERNER_GRID, suites=("werner",)),
    Problem("isotropic3-mubs", "isotropic", "mubs", params={"d": 3}, reference=None, reference_kind="sdp",
            citation="finite-setting SDP (Cavalcanti & Skrzypczyk, Rep. Prog. Phys. 80, 024001 (2017))",
            grid=_grid(0.40, 0.70, 7), suites=("isotropic",)),
    Problem("isotropic3-pvm", "isotropic", "pvm", params={"d": 3}, reference=5 / 12, citation=WJD,
            grid=_grid(0.30, 0.50, 11), suites=("isotropic",)),
    Problem("isotropic3-povm", "isotropic", "povm", params={"d": 3}, reference=8 / 27, reference_kind="lower-bound",
            citation="Almeida et al., PRL 99, 040403 (2007); exact value open", grid=_grid(0.20, 0.45, 11),
            suites=("isotropic",)),
)


@hookimpl
def register_problems(register: Callable[[Problem], None]) -> None:
    for problem in CATALOGUE:
        register(problem)
