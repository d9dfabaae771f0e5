"""The certifier contract: targets, options, results and the `Certifier` base class.

A certifier answers one or more *questions* ("steering", "bell", "quantum-set",
"post-quantum") about a *target*: a `SteeringTarget` (state + measurement family, party 0 steers
the last party), an `Assemblage`, or a `Behaviour`. Every answer is a `Result` whose `rigor`
says how strong the check behind the verdict is.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import platform
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Union

import numpy as np

from .assemblage import Assemblage
from .correlations import Behaviour
from .errors import DimensionError, QuantcorrError, UnsupportedTargetError
from .jsonio import from_jsonable, to_jsonable
from .measurements import MeasurementSet, MeasurementSpace
from .states import State

if TYPE_CHECKING:
    from .threshold import ThresholdResult, VisibilityFamily


class Verdict(str, Enum):
    STEERABLE = "steerable"
    UNSTEERABLE = "unsteerable"
    LOCAL = "local"
    NONLOCAL = "nonlocal"
    QUANTUM = "quantum"
    NOT_QUANTUM = "not-quantum"
    POST_QUANTUM = "post-quantum"
    INCONCLUSIVE = "inconclusive"
    FAILED = "failed"


class Rigor(str, Enum):
    """How strong the check behind a verdict is, strongest first."""

    CERTIFIED = "certified"  # an exact or independently re-checked certificate
    SOLVER_TOLERANCE = "solver-tolerance"  # holds up to a numerical solver's tolerance
    NUMERICAL = "numerical"  # numerical evidence (e.g. a trained model's loss near zero)
    PREDICTION = "prediction"  # a learned classifier's guess


QUESTIONS = ("steering", "bell", "quantum-set", "post-quantum")


@dataclass(frozen=True, eq=False)
class SteeringTarget:
    """A state and a measurement family for the steering parties (the last subsystem is Bob's)."""

    state: State
    measurements: MeasurementSet | MeasurementSpace

    def __post_init__(self) -> None:
        if self.state.n_parties < 2:
            raise DimensionError("a steering target needs a state of at least two subsystems")
        d_a = self.state.dims[0]
        if self.measurements.dim != d_a or len(set(self.state.dims[:-1])) != 1:
            raise DimensionError(f"measurements '{self.measurements.name}' act on dimension "
                                 f"{self.measurements.dim}, but the steering party has dimension {d_a}")

    def assemblage(self) -> Assemblage:
        if not isinstance(self.measurements, MeasurementSet):
            raise UnsupportedTargetError("a continuous measurement family has no finite assemblage")
        return Assemblage.from_state(self.state, self.measurements)

    def describe(self) -> str:
        return f"{self.state.describe()} | {self.measurements.name}"


Target = Union[SteeringTarget, Assemblage, Behaviour]


def describe_target(target: Target) -> str:
    if isinstance(target, SteeringTarget):
        return target.describe()
    if isinstance(target, Assemblage):
        return f"assemblage{tuple(target.sigma.shape)}"
    if isinstance(target, Behaviour):
        return f"behaviour{tuple(target.p.shape)}"
    return type(target).__name__


@dataclass
class Options:
    """Base class of solver options. Subclasses add typed fields with defaults; the CLI turns
    each field into `--field-name` (underscores become dashes)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Certificate:
    """Evidence backing a verdict. `kind` names it (e.g. "lhs-model", "steering-inequality");
    `data` holds arrays and numbers (JSON round-trippable); `path` points at a file when the
    certificate is too large to inline (e.g. a trained model)."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    path: str | None = None

    def to_json(self) -> dict:
        return {"kind": self.kind, "description": self.description, "path": self.path,
                "data": to_jsonable(self.data)}

    @classmethod
    def from_json(cls, d: dict) -> "Certificate":
        return cls(d["kind"], from_jsonable(d.get("data", {})), d.get("description", ""), d.get("path"))


@dataclass
class Result:
    """The answer of one certifier on one target."""

    solver: str
    question: str
    verdict: Verdict
    rigor: Rigor | None
    value: float | None = None
    quantities: dict[str, float] = field(default_factory=dict)
    certificate: Certificate | None = None
    wall_time_s: float = 0.0
    target: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    versions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)
        self.rigor = None if self.rigor is None else Rigor(self.rigor)
        if self.verdict in (Verdict.INCONCLUSIVE, Verdict.FAILED):
            self.rigor = None  # nothing is claimed, so no strength is attached

    def to_json(self) -> dict:
        return {
            "solver": self.solver, "question": self.question, "verdict": self.verdict.value,
            "rigor": None if self.rigor is None else self.rigor.value, "value": to_jsonable(self.value),
            "quantities": to_jsonable(self.quantities),
            "certificate": None if self.certificate is None else self.certificate.to_json(),
            "wall_time_s": self.wall_time_s, "target": self.target, "options": to_jsonable(self.options),
            "message": self.message, "versions": self.versions,
        }

    @classmethod
    def from_json(cls, d: dict) -> "Result":
        cert = d.get("certificate")
        return cls(d["solver"], d["question"], d["verdict"], d.get("rigor"), from_jsonable(d.get("value")),
                   from_jsonable(d.get("quantities", {})), Certificate.from_json(cert) if cert else None,
                   d.get("wall_time_s", 0.0), d.get("target", ""), from_jsonable(d.get("options", {})),
                   d.get("message", ""), d.get("versions", {}))


def versions(*modules: str) -> dict[str, str]:
    """Versions of python, numpy, quantcorr and the named (already importable) modules."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "numpy": np.__version__}
    for mod in ("quantcorr", *modules):
        try:
            out[mod] = version(mod)
        except PackageNotFoundError:
            continue
    return out


class Certifier(ABC):
    """Base class of every solver, built-in or third-party.

    Subclasses set `name` (the CLI id), `questions`, `requires` (module names checked with
    importlib.util.find_spec, never imported here), `rigor` (the strongest rigor it can give,
    shown by `quantcorr solvers`), `Options` (a dataclass subclass of `Options`) and implement
    `supports` and `_certify`. Heavy modules must be imported inside methods.
    """

    name: ClassVar[str]
    questions: ClassVar[tuple[str, ...]]
    requires: ClassVar[tuple[str, ...]] = ()
    rigor: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Options: ClassVar[type[Options]] = Options

    @classmethod
    def availability(cls) -> tuple[bool, str]:
        """(True, "") when every required module can be found, else (False, why)."""
        missing = [m for m in cls.requires if importlib.util.find_spec(m) is None]
        if missing:
            return False, f"missing module(s): {', '.join(missing)}"
        return True, ""

    @classmethod
    def quick_options(cls) -> Options:
        """Options for small budgets (CI, `bench --quick`); defaults unless a solver overrides."""
        return cls.Options()

    @abstractmethod
    def supports(self, target: Target) -> bool:
        """Whether this certifier can answer about `target` (cheap, no heavy imports)."""

    @abstractmethod
    def _certify(self, target: Target, options: Options) -> Result:
        """Answer about a supported target. `wall_time_s` and `options` are filled in by `certify`."""

    def certify(self, target: Target, options: Options | None = None) -> Result:
        """Run the certifier. Any failure becomes a Result with verdict "failed" and the reason,
        except user errors about the target (QuantcorrError), which propagate."""
        options = self.Options() if options is None else options
        start = time.perf_counter()
        if not self.supports(target):
            raise UnsupportedTargetError(f"solver '{self.name}' does not support {describe_target(target)}")
        ok, why = self.availability()
        if not ok:
            result = self.failed(target, f"solver unavailable: {why}")
        else:
            try:
                result = self._certify(target, options)
            except QuantcorrError:
                raise
            except Exception as exc:  # a solver bug must not kill a benchmark run
                result = self.failed(target, f"{type(exc).__name__}: {exc}")
        result.wall_time_s = time.perf_counter() - start
        result.options = options.to_dict()
        result.target = result.target or describe_target(target)
        result.versions = result.versions or versions(*self.requires)
        return result

    def critical_visibility(self, family: "VisibilityFamily", measurements: MeasurementSet | MeasurementSpace,
                            options: Options | None = None) -> "ThresholdResult":
        """Critical visibility of `family` under `measurements`. Default: bisection on verdicts;
        certifiers with a direct method (one SDP, a loss scan, certified bounds) override this."""
        from .threshold import bisect_threshold

        return bisect_threshold(self, family, measurements, self.Options() if options is None else options)

    def failed(self, target: Target, message: str) -> Result:
        return Result(self.name, self.questions[0], Verdict.FAILED, None, message=message,
                      target=describe_target(target))
