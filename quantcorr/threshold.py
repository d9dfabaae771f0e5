"""Critical visibility of a target family, on top of any certifier.

A `VisibilityFamily` is rho(v) = v * rho_1 + (1 - v) * noise (noise = I/D unless given). For the
Werner and isotropic families this is exactly their definition. A `TargetFamily` mixes an
assemblage or behaviour with its own noise (uniform outcomes, times I/dB for assemblages). The
critical visibility is the largest v in [0, 1] at which the family gets the classical verdict of
the question (unsteerable, local, quantum). The generic method bisects on verdicts, assuming the
classical answer holds below the threshold and fails above; certifiers with a better method
implement `critical_visibility` themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Union

import numpy as np

from .errors import ValidationError
from .jsonio import from_jsonable, to_jsonable
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


@dataclass(frozen=True, eq=False)
class TargetFamily:
    """v -> v * base + (1 - v) * noise for an assemblage or a behaviour, v in [0, 1].

    Default noise: for an assemblage, uniform outcomes times Bob's maximally mixed state,
    sigma_noise[x.., a..] = I_dB / (dB * o1 * ... * on); for a behaviour, uniform outcomes
    p = 1/(oA oB). A behaviour or multipartite assemblage built from a state has, by linearity,
    `noise` = the same construction on I/D (so its threshold equals the state family's).
    `name` describes the base for tables; `window` is as for `VisibilityFamily`."""

    base: Any
    noise: Any = None
    name: str = ""
    window: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        from .assemblage import Assemblage
        from .correlations import Behaviour

        if not isinstance(self.base, (Assemblage, Behaviour)):
            raise ValidationError(f"a target family needs an Assemblage or a Behaviour, got {type(self.base).__name__}")
        noise = self.noise
        if noise is None:
            noise = self.base.white_noise_like()
        if type(noise) is not type(self.base) or noise_shape(noise) != noise_shape(self.base):
            raise ValidationError("the noise of a target family must be of the base's kind and shape")
        object.__setattr__(self, "noise", noise)

    @property
    def kind(self) -> str:
        from .assemblage import Assemblage

        return "assemblage" if isinstance(self.base, Assemblage) else "behaviour"

    def at(self, v: float):
        if not 0.0 <= v <= 1.0:
            raise ValidationError(f"visibility v must lie in [0, 1], got {v}")
        return self.base.mixed(self.noise, v)

    def describe(self) -> str:
        return f"{self.name or self.kind}(v)"


def noise_shape(target: Any) -> tuple:
    return tuple((target.sigma if hasattr(target, "sigma") else target.p).shape)


Family = Union[VisibilityFamily, TargetFamily]


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
    target_spec: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {k: to_jsonable(getattr(self, k)) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, d: dict) -> "ThresholdResult":
        return cls(**{k: from_jsonable(d[k]) for k in cls.__dataclass_fields__ if k in d})


def target_at(family: Family, measurements: Any, v: float) -> Any:
    """The target of `family` at visibility v: a SteeringTarget for a state family (with its
    black-box measurements), else the mixed assemblage or behaviour."""
    if isinstance(family, VisibilityFamily):
        from .certifier import SteeringTarget

        if measurements is None:
            raise ValidationError("a state family needs the black-box parties' measurements")
        return SteeringTarget(family.at(v), measurements)
    return family.at(v)


def measurements_label(family: Family, measurements: Any) -> str:
    if isinstance(family, VisibilityFamily):
        from .certifier import measurements_name

        return measurements_name(measurements)
    return "-"


class ThresholdFailure(Exception):
    """A certify call inside a threshold search failed: no bracket may be built from it."""


def bisect_threshold(certifier: "Certifier", family: Family, measurements: Any, options: "Options",
                     lo: float = 0.0, hi: float = 1.0, tol: float = 1e-4,
                     progress: Callable[[float, "Result"], None] | None = None) -> ThresholdResult:
    """Bisection on verdicts. lower = largest v with a classical verdict, upper = smallest v
    with a non-classical one (an inconclusive answer also counts as "not shown classical", and
    its end then carries no rigor). A call that fails stops the search: the result keeps only
    what finished calls showed and says which call failed."""
    start = time.perf_counter()
    table: list[dict[str, Any]] = []
    rigors: dict[float, str | None] = {}

    def classical(v: float) -> bool:
        res = certifier.certify(target_at(family, measurements, v), options)
        table.append({"v": v, "verdict": res.verdict.value, "rigor": res.rigor and res.rigor.value,
                      "value": res.value})
        rigors[v] = res.rigor and res.rigor.value
        if progress:
            progress(v, res)
        if res.verdict.value == "failed":
            raise ThresholdFailure(f"certify failed at v={v:g}: {res.message}")
        return res.verdict.value in CLASSICAL

    msg = ""
    lower: float | None
    upper: float | None
    lower, upper = None, None
    try:
        if not classical(lo):
            msg = f"no classical verdict even at v={lo:g}"
            upper = lo
        elif classical(hi):
            msg = f"no threshold up to v={hi:g}: classical verdict at every visibility tried"
            lower = hi
        else:
            lower, upper = lo, hi
            while upper - lower > tol:
                mid = 0.5 * (lower + upper)
                if classical(mid):
                    lower = mid
                else:
                    upper = mid
    except ThresholdFailure as exc:
        known = [r["v"] for r in table if r["verdict"] in CLASSICAL]
        lower, upper, msg = (max(known) if known else None), None, str(exc)
    est = None if lower is None or upper is None else 0.5 * (lower + upper)
    return ThresholdResult(certifier.name, family.describe(), measurements_label(family, measurements), est,
                           lower, upper, f"bisection on verdicts (tol {tol:g})",
                           rigors.get(lower) if lower is not None else None,
                           rigors.get(upper) if upper is not None else None,
                           sorted(table, key=lambda r: r["v"]), wall_time_s=time.perf_counter() - start,
                           message=msg)
