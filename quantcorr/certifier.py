"""The certifier contract: targets, options, results and the `Certifier` base class.

A certifier answers one or more *questions* ("steering", "bell", "quantum-set",
"post-quantum") about a *target*: a `SteeringTarget` (state + measurement family, party 0 steers
the last party), an `Assemblage`, or a `Behaviour`. Every answer is a `Result` whose `rigor`
says how strong the check behind the verdict is.
"""

from __future__ import annotations

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
from .options import Options, option  # noqa: F401  (re-exported: plugins import them from here)
from .registration import QUESTIONS  # noqa: F401  (re-exported)
from .states import State

if TYPE_CHECKING:
    from .threshold import Family, ThresholdResult


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




@dataclass(frozen=True, eq=False)
class SteeringTarget:
    """A state and the measurements of its black-box parties (every subsystem but the last,
    which is trusted Bob's). `measurements` is one family used by every black-box party (a
    finite `MeasurementSet` or a continuous `MeasurementSpace`), or a tuple of `MeasurementSet`s,
    one per black-box party. Bell solvers may read it as every party (Bob too) measuring from
    the family."""

    state: State
    measurements: Any

    def __post_init__(self) -> None:
        if self.state.n_parties < 2:
            raise DimensionError("a steering target needs a state of at least two subsystems")
        n = self.state.n_parties - 1
        fams = self.party_measurements
        if len(fams) != n:
            raise DimensionError(f"state has {n} black-box part{'y' if n == 1 else 'ies'} but "
                                 f"{len(fams)} measurement families were given")
        for k, ms in enumerate(fams):
            if not isinstance(ms, (MeasurementSet, MeasurementSpace)):
                raise DimensionError(f"measurements of party {k} must be a MeasurementSet or MeasurementSpace")
            if ms.dim != self.state.dims[k]:
                raise DimensionError(f"measurements '{ms.name}' act on dimension {ms.dim}, "
                                     f"but black-box party {k} has dimension {self.state.dims[k]}")
        if isinstance(self.measurements, (list, tuple)):
            if not all(isinstance(ms, MeasurementSet) for ms in self.measurements):
                raise DimensionError("per-party measurements must be finite measurement sets")
            object.__setattr__(self, "measurements", tuple(self.measurements))

    @property
    def party_measurements(self) -> tuple:
        """One measurement family per black-box party."""
        if isinstance(self.measurements, (list, tuple)):
            return tuple(self.measurements)
        return (self.measurements,) * (self.state.n_parties - 1)

    @property
    def finite(self) -> bool:
        return all(isinstance(ms, MeasurementSet) for ms in self.party_measurements)

    def assemblage(self) -> Assemblage:
        if not self.finite:
            raise UnsupportedTargetError("a continuous measurement family has no finite assemblage")
        return Assemblage.from_state(self.state, list(self.party_measurements))

    def describe(self) -> str:
        return f"{self.state.describe()} | {measurements_name(self.measurements)}"


def measurements_name(measurements: Any) -> str:
    """'xz', or 'xz|paulis' for per-party sets."""
    if isinstance(measurements, (list, tuple)):
        return "|".join(ms.name for ms in measurements)
    return measurements.name


Target = Union[SteeringTarget, Assemblage, Behaviour]


def unsupported_message(solver: str, target: Any) -> str:
    """"solver X does not support T; solvers that do: ..." (one line)."""
    msg = f"solver '{solver}' does not support {describe_target(target)}"
    try:
        from .plugins import get_registry

        others = get_registry().solvers_supporting(target, exclude=solver)
    except Exception:  # the hint is best effort; the error itself must not fail
        others = []
    return msg + (f"; solvers that do: {', '.join(others)}" if others else "; no registered solver does")


def describe_target(target: Target) -> str:
    if isinstance(target, SteeringTarget):
        return target.describe()
    if isinstance(target, Assemblage):
        return f"assemblage{tuple(target.sigma.shape)}"
    if isinstance(target, Behaviour):
        return f"behaviour{tuple(target.p.shape)}"
    return type(target).__name__


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
    quantities: dict[str, Any] = field(default_factory=dict)
    certificate: Certificate | None = None
    wall_time_s: float = 0.0
    target: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    target_spec: dict[str, Any] = field(default_factory=dict)

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
            "message": self.message, "versions": self.versions, "target_spec": to_jsonable(self.target_spec),
        }

    @classmethod
    def from_json(cls, d: dict) -> "Result":
        cert = d.get("certificate")
        return cls(d["solver"], d["question"], d["verdict"], d.get("rigor"), from_jsonable(d.get("value")),
                   from_jsonable(d.get("quantities", {})), Certificate.from_json(cert) if cert else None,
                   d.get("wall_time_s", 0.0), d.get("target", ""), from_jsonable(d.get("options", {})),
                   d.get("message", ""), d.get("versions", {}), from_jsonable(d.get("target_spec", {})))


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
    accepts_non_psd: ClassVar[bool] = False  # True: studies pseudo-assemblages (CLI --allow-non-psd)
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
        """Run the certifier. Any failure becomes a Result with verdict "failed" and the reason
        (an exception, `sys.exit`, a return value that is not a Result, a claimed verdict with a
        NaN value), except user errors (QuantcorrError), which propagate."""
        options = self.Options() if options is None else options
        if not isinstance(options, Options):
            raise UnsupportedTargetError(f"solver '{self.name}': options must be {self.Options.__name__}, "
                                         f"got {type(options).__name__}")
        options.validate()
        start = time.perf_counter()
        if not self.supports(target):
            raise UnsupportedTargetError(unsupported_message(self.name, target))
        ok, why = self.availability()
        if not ok:
            result = self.failed(target, f"solver unavailable: {why}")
        else:
            from .threads import thread_limit

            try:
                with thread_limit():
                    result = self._certify(target, options)
            except QuantcorrError:
                raise
            except (Exception, SystemExit) as exc:  # a solver bug must not kill a benchmark run
                result = self.failed(target, f"{type(exc).__name__}: {exc}")
            result = self._checked(target, result)
        result.wall_time_s = time.perf_counter() - start
        result.options = options.to_dict()
        result.target = result.target or describe_target(target)
        result.versions = result.versions or versions(*self.requires)
        return result

    def _checked(self, target: Target, result: Any) -> Result:
        """`result` if it is a well-formed Result, else a "failed" Result saying what was wrong."""
        if not isinstance(result, Result):
            return self.failed(target, f"certify returned {type(result).__name__}, not a Result")
        claims = result.verdict not in (Verdict.INCONCLUSIVE, Verdict.FAILED)
        if claims and isinstance(result.value, float) and np.isnan(result.value):
            return self.failed(target, f"claimed '{result.verdict.value}' with a NaN value")
        if claims and result.rigor is None:
            return self.failed(target, f"claimed '{result.verdict.value}' without a rigor")
        return result

    def critical_visibility(self, family: "Family", measurements: Any = None,
                            options: Options | None = None) -> "ThresholdResult":
        """Critical visibility: the largest v in [0, 1] at which `family.at(v)` gets the classical
        verdict of the question (unsteerable, local, quantum). `family` is a `VisibilityFamily`
        (states; `measurements` = the black-box parties' measurement family) or a `TargetFamily`
        (assemblages, behaviours; `measurements` None). Default: bisection on verdicts;
        certifiers with a direct method (one SDP, a loss scan, certified bounds) override this."""
        from .threshold import bisect_threshold

        return bisect_threshold(self, family, measurements, self.Options() if options is None else options)

    def failed(self, target: Target, message: str) -> Result:
        return Result(self.name, self.questions[0], Verdict.FAILED, None, message=message,
                      target=describe_target(target))
