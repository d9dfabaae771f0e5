"""Problems: a state family, a measurement family, a question and a reference value.

The core catalogue below is registered like any plugin's problems (hook `register_problems`);
reference values and citations are those of REFERENCE.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from math import sqrt
from typing import TYPE_CHECKING, Any, Callable

from .hookspecs import hookimpl

if TYPE_CHECKING:
    from .threshold import Family


@dataclass(frozen=True)
class Problem:
    """A critical-visibility question about one target family, with a reference value.

    The target is exactly one of: a named state or state file (`state`, with `measurements` for
    the black-box parties and, for a Bell behaviour, `bob_measurements`), an `assemblage` (file
    or registered name) or a `behaviour` (file, `chsh:...` or registered name). `params` are the
    state's or named target's parameters (the visibility excluded). The family is v * target +
    (1 - v) * noise (see docs/concepts.md). `reference` is the known threshold (None when open);
    `reference_kind` says "exact" or "lower-bound"."""

    name: str
    state: str = ""
    measurements: str = ""
    question: str = "steering"
    params: dict = field(default_factory=dict)
    reference: float | None = None
    reference_kind: str = "exact"
    citation: str = ""
    grid: tuple[float, ...] = ()
    suites: tuple[str, ...] = ()
    assemblage: str | None = None
    behaviour: str | None = None
    bob_measurements: str | None = None

    def __post_init__(self) -> None:
        from .errors import ValidationError

        given = [k for k in ("state", "assemblage", "behaviour") if getattr(self, k)]
        if len(given) != 1:
            raise ValidationError(f"problem '{self.name}': give exactly one of state, assemblage, behaviour "
                                  f"(got {given or 'none'})")
        if self.state and not self.measurements:
            raise ValidationError(f"problem '{self.name}': a state problem needs measurements")

    @property
    def window(self) -> tuple[float, float] | None:
        return (min(self.grid), max(self.grid)) if self.grid else None

    def spec(self) -> dict[str, Any]:
        """The target as command-line style arguments (what `target_spec` records)."""
        out: dict[str, Any] = {k: getattr(self, k) for k in ("state", "measurements", "bob_measurements",
                                                              "assemblage", "behaviour") if getattr(self, k)}
        if self.params:
            out["params"] = dict(self.params)
        return out

    def threshold_args(self) -> tuple["Family", Any]:
        """(family, measurements) for `Certifier.critical_visibility`, built once per problem
        (a named target may be costly to build, and a bench asks for it at every cell)."""
        return self._threshold_args

    @cached_property
    def _threshold_args(self) -> tuple["Family", Any]:
        from .target_spec import TargetSpec

        return TargetSpec.from_problem(self).family(window=self.window)

    def target_at(self, v: float) -> Any:
        """The target at visibility v (what a bench cell certifies)."""
        from .threshold import target_at

        return target_at(*self.threshold_args(), v)

    def to_json(self) -> dict:
        return {"name": self.name, **self.spec(), "params": self.params, "question": self.question,
                "reference": self.reference, "reference_kind": self.reference_kind, "citation": self.citation}


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
