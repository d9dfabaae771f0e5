"""Critical visibility of a state family, on top of any certifier.

A `VisibilityFamily` is rho(v) = v * rho_1 + (1 - v) * noise (noise = I/D unless given). For the
Werner and isotropic families this is exactly their definition. The generic method bisects on
verdicts, assuming the "classical" answer (unsteerable, local, quantum) holds below the threshold
and fails above; certifiers with a better method implement `critical_visibility` themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .errors import ValidationError
from .jsonio import from_jsonable, to_jsonable
from .measurements import MeasurementSet, MeasurementSpace
from .states import State

if TYPE_CHECKING:
    from .certifier import Certifier, Options, Result

CLASSICAL = {"unsteerable", "local", "quantum"}


@dataclass(frozen=True, eq=False)
class VisibilityFamily:
    """rho(v) = v * base + (1 - v) * noise, v in [0, 1]. `window` (optional) is where the
    threshold is expected, e.g. a benchmark problem's grid; solvers that scan v may use it as
    their default range."""

    base: State
    noise: State | None = None
    window: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.noise is not None and (self.noise.dims != self.base.dims):
            raise ValidationError(f"noise dims {self.noise.dims} differ from state dims {self.base.dims}")

    @property
    def noise_rho(self) -> np.ndarray:
        return np.eye(self.base.dim) / self.base.dim if self.noise is None else self.noise.rho

    def at(self, v: float) -> State:
        if not 0.0 <= v <= 1.0:
            raise ValidationError(f"visibility v must lie in [0, 1], got {v}")
        return State(v * self.base.rho + (1 - v) * self.noise_rho, self.base.dims, self.base.name,
                     {**self._fixed_params, "v": v})

    @property
    def _fixed_params(self) -> dict:
        """The base state's parameters other than the visibility."""
        return {k: val for k, val in self.base.params.items() if k != "v"}

    def describe(self) -> str:
        args = ", ".join(f"{k}={val:g}" if isinstance(val, float) else f"{k}={val}"
                         for k, val in self._fixed_params.items())
        return f"{self.base.name}({args + ', ' if args else ''}v)"


@dataclass
class ThresholdResult:
    """Estimate of a critical visibility with a bracket [lower, upper] and how it was found.

    `lower_rigor`/`upper_rigor` give the strength of each end (e.g. both "certified" for a
    polytope bracket); `table` lists the evaluated points (v plus verdict/value columns)."""

    solver: str
    family: str
    measurements: str
    estimate: float | None
    lower: float | None
    upper: float | None
    method: str
    lower_rigor: str | None = None
    upper_rigor: str | None = None
    table: list[dict[str, Any]] = field(default_factory=list)
    certificates: dict[str, Any] = field(default_factory=dict)
    quantities: dict[str, Any] = field(default_factory=dict)
    wall_time_s: float = 0.0
    message: str = ""

    def to_json(self) -> dict:
        return {k: to_jsonable(getattr(self, k)) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, d: dict) -> "ThresholdResult":
        return cls(**{k: from_jsonable(d[k]) for k in cls.__dataclass_fields__ if k in d})


def bisect_threshold(certifier: "Certifier", family: VisibilityFamily,
                     measurements: MeasurementSet | MeasurementSpace, options: "Options",
                     lo: float = 0.0, hi: float = 1.0, tol: float = 1e-4,
                     progress: Callable[[float, "Result"], None] | None = None) -> ThresholdResult:
    """Bisection on verdicts. lower = largest v with a classical verdict, upper = smallest v
    without one. Failed/inconclusive points count as "not shown classical"."""
    from .certifier import SteeringTarget

    start = time.perf_counter()
    table: list[dict[str, Any]] = []
    rigors: dict[float, str | None] = {}

    def classical(v: float) -> bool:
        res = certifier.certify(SteeringTarget(family.at(v), measurements), options)
        table.append({"v": v, "verdict": res.verdict.value, "rigor": res.rigor and res.rigor.value,
                      "value": res.value})
        rigors[v] = res.rigor and res.rigor.value
        if progress:
            progress(v, res)
        return res.verdict.value in CLASSICAL

    msg = ""
    if not classical(lo):
        msg = f"no classical verdict even at v={lo}"
        lower, upper = None, lo
    elif classical(hi):
        msg = f"classical verdict up to v={hi}: no threshold in the interval"
        lower, upper = hi, None
    else:
        lower, upper = lo, hi
        while upper - lower > tol:
            mid = 0.5 * (lower + upper)
            if classical(mid):
                lower = mid
            else:
                upper = mid
    est = None if lower is None or upper is None else 0.5 * (lower + upper)
    return ThresholdResult(certifier.name, family.describe(), measurements.name, est, lower, upper,
                           f"bisection on verdicts (tol {tol:g})",
                           rigors.get(lower) if lower is not None else None,
                           rigors.get(upper) if upper is not None else None,
                           sorted(table, key=lambda r: r["v"]), wall_time_s=time.perf_counter() - start,
                           message=msg)
