"""Light descriptors that plugins register: solvers (`SolverRef`) and named targets
(`NamedTarget`). Nothing here imports numerical code, so `quantcorr --help`, `quantcorr solvers`
and `quantcorr targets` load every plugin without importing numpy, scipy, cvxpy or torch; the
class or builder behind a descriptor is imported on first use.

    @hookimpl
    def register_certifiers(register):
        register(SolverRef("bell-lp", "quantcorr_npa.bell_lp:BellLp", questions=("bell",),
                           rigor="certified", requires=("scipy",), description="local-polytope LP"))

    @hookimpl
    def register_targets(register):
        register(NamedTarget("pr-box", "behaviour", "quantcorr.correlations:pr_box",
                             "Popescu-Rohrlich box (CHSH = 4)"))
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import PluginError, ValidationError

QUESTIONS = ("steering", "bell", "quantum-set", "post-quantum")
RIGORS = ("certified", "solver-tolerance", "numerical", "prediction")
TARGET_LABELS = ("state+finite", "state+pvm/povm", "multipartite", "assemblage", "assemblage(n>=2)", "behaviour")
TARGET_KINDS = ("assemblage", "behaviour")


def resolve(path: str) -> Any:
    """The object at "package.module:attribute"."""
    module, colon, attr = path.partition(":")
    if not colon or not module or not attr:
        raise PluginError(f"expected 'module:attribute', got {path!r}")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class SolverRef:
    """A solver known by name before its module is imported. `path` is "module:Class"; the
    class's own `name`, `questions` and `rigor` must match the descriptor (checked on load).
    `targets` declares the target kinds it takes (labels of `TARGET_LABELS`, shown by
    `quantcorr solvers`; `quantcorr.testing.check_declared_targets` checks them against
    `supports()`); left empty, `quantcorr solvers` probes the class instead."""

    name: str
    path: str
    questions: tuple[str, ...]
    rigor: str
    description: str = ""
    requires: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or " " in self.name:
            raise PluginError(f"solver descriptor needs a name without spaces, got {self.name!r}")
        bad = [q for q in self.questions if q not in QUESTIONS]
        if not self.questions or bad:
            raise PluginError(f"solver '{self.name}': questions {tuple(self.questions)} not in {QUESTIONS}")
        if self.rigor not in RIGORS:
            raise PluginError(f"solver '{self.name}': rigor {self.rigor!r} not in {RIGORS}")
        bad_t = [t for t in self.targets if t not in TARGET_LABELS]
        if bad_t:
            raise PluginError(f"solver '{self.name}': target kinds {bad_t} not in {TARGET_LABELS}")
        object.__setattr__(self, "questions", tuple(self.questions))
        object.__setattr__(self, "requires", tuple(self.requires))
        object.__setattr__(self, "targets", tuple(self.targets))

    def availability(self) -> tuple[bool, str]:
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        return (False, f"missing module(s): {', '.join(missing)}") if missing else (True, "")

    def load(self) -> type:
        cls = resolve(self.path)
        from .certifier import Certifier

        if not (isinstance(cls, type) and issubclass(cls, Certifier)):
            raise PluginError(f"solver '{self.name}': {self.path} is not a Certifier subclass")
        if cls.name != self.name or tuple(cls.questions) != self.questions:
            raise PluginError(f"solver '{self.name}': {self.path} declares name {cls.name!r} and questions "
                              f"{tuple(cls.questions)}, the descriptor {self.name!r} and {self.questions}")
        return cls


@dataclass(frozen=True)
class TargetParam:
    """One typed parameter of a named target. `type` is int, float, str, bool or tuple (a
    comma-separated list of integers, e.g. settings=2,2)."""

    name: str
    type: type = float
    default: Any = None
    help: str = ""

    def parse(self, raw: Any) -> Any:
        """The value of a command-line string (or an already typed value)."""
        what = f"parameter {self.name}={raw!r}"
        if not isinstance(raw, str):
            return raw
        text = raw.strip()
        try:
            if self.type is bool:
                if text.lower() in ("1", "true", "yes", "on"):
                    return True
                if text.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError
            if self.type is int:
                value = float(text)
                if not value.is_integer():
                    raise ValueError
                return int(value)
            if self.type is float:
                value = float(text)
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValidationError(f"{what}: must be a finite number")
                return value
            if self.type is tuple:
                return tuple(int(p) for p in text.split(","))
        except ValueError:
            kind = {int: "an integer", float: "a number", bool: "true or false",
                    tuple: "comma-separated integers"}[self.type]
            raise ValidationError(f"{what} is not {kind}") from None
        return text


@dataclass(frozen=True)
class NamedTarget:
    """A named assemblage or behaviour. `build` is a callable or "module:function" returning an
    `Assemblage` (kind "assemblage") or a `Behaviour` (kind "behaviour"); it is called with the
    parsed parameters as keyword arguments. `visibility` names the parameter that is the
    family's visibility (set to 1 by `threshold`), if any."""

    name: str
    kind: str
    build: Callable[..., Any] | str
    description: str
    params: tuple[TargetParam, ...] = field(default_factory=tuple)
    visibility: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or " " in self.name:
            raise PluginError(f"named target needs a name without spaces, got {self.name!r}")
        if self.kind not in TARGET_KINDS:
            raise PluginError(f"named target '{self.name}': kind {self.kind!r} not in {TARGET_KINDS}")
        object.__setattr__(self, "params", tuple(self.params))

    def builder(self) -> Callable[..., Any]:
        return resolve(self.build) if isinstance(self.build, str) else self.build

    def parse_params(self, raw: dict[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in self.params}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise ValidationError(f"{self.kind} '{self.name}' takes parameters [{names}]; unknown: {unknown}")
        return {k: known[k].parse(v) for k, v in raw.items()}

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "description": self.description,
                "params": [{"name": p.name, "type": p.type.__name__, "default": p.default, "help": p.help}
                           for p in self.params]}
