"""Solver options: typed dataclass fields with a declared valid range or choice set.

Every certifier's `Options` is a dataclass subclass of `Options`. Declare each field with
`option()` so that the CLI, `quantcorr solvers NAME` and Python callers get the same checks:

    @dataclass
    class MyOptions(Options):
        steps: int = option(1000, "training steps", ge=1, le=10**7)
        tol: float = option(1e-6, "residual tolerance", gt=0, le=1e-2)
        method: str = option("a", "method", choices=("a", "b"))

`Options.__post_init__` validates every field (type, finiteness, range, choices) and raises
`OptionError` naming the flag (`--field-name`) and the allowed values, so an impossible value is
refused before any work, with the same message on the command line and in Python. Fields
declared with plain `dataclasses.field` still get the type and finiteness checks. A subclass
that defines its own `__post_init__` must call `super().__post_init__()`.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, Literal

from .errors import OptionError

_MISSING = dataclasses.MISSING


def option(default: Any, help: str = "", *, ge: float | None = None, gt: float | None = None,
           le: float | None = None, lt: float | None = None, choices: tuple | None = None,
           path: str | None = None) -> Any:
    """A dataclass field with help text and a valid range (`ge`/`gt`/`le`/`lt`) or `choices`.
    `path` marks a file option: "in" (must exist when given), "out" (checked writable before any
    work) or "inout" (a checkpoint: read when resuming, written otherwise)."""
    meta = {"help": help, "ge": ge, "gt": gt, "le": le, "lt": lt, "choices": choices, "path": path}
    return dataclasses.field(default=default, metadata={k: v for k, v in meta.items() if v is not None})


def base_type(tp: Any) -> tuple[Any, bool]:
    """(type without Optional, whether None is allowed)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return (args[0] if len(args) == 1 else str), len(args) < len(typing.get_args(tp))
    return tp, False


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def describe_range(meta: typing.Mapping[str, Any], tp: Any = None) -> str:
    """Human-readable valid values, e.g. '>= 1, <= 1e+07' or 'one of a, b'."""
    choices = meta.get("choices") or (typing.get_args(tp) if typing.get_origin(tp) is Literal else None)
    if choices:
        return "one of " + ", ".join(map(str, choices))
    parts = [f"{sym} {meta[key]:g}" for key, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
             if meta.get(key) is not None]
    return ", ".join(parts)


def check_value(name: str, tp: Any, value: Any, meta: typing.Mapping[str, Any]) -> Any:
    """The validated (and, for int -> float, converted) value of one option; raises OptionError."""
    tp, optional = base_type(tp)
    f = flag(name)
    if value is None:
        if optional:
            return None
        raise OptionError(f"{f} needs a value")
    choices = meta.get("choices") or (typing.get_args(tp) if typing.get_origin(tp) is Literal else None)
    if choices:
        if value not in choices:
            raise OptionError(f"{f} must be one of {', '.join(map(str, choices))}, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise OptionError(f"{f} expects true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and math.isfinite(value) and value.is_integer():
                value = int(value)
            else:
                raise OptionError(f"{f} expects an integer, got {value!r}")
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OptionError(f"{f} expects a number, got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise OptionError(f"{f} must be a finite number, got {value}")
    elif tp is str:
        if not isinstance(value, str):
            raise OptionError(f"{f} expects text, got {value!r}")
        if meta.get("path") and not value.strip():
            raise OptionError(f"{f} needs a file path, got an empty string")
        return value
    else:
        return value
    for key, ok, sym in (("ge", lambda a, b: a >= b, ">="), ("gt", lambda a, b: a > b, ">"),
                         ("le", lambda a, b: a <= b, "<="), ("lt", lambda a, b: a < b, "<")):
        bound = meta.get(key)
        if bound is not None and not ok(value, bound):
            raise OptionError(f"{f} must be {describe_range(meta)}, got {value:g}")
    return value


@dataclasses.dataclass
class Options:
    """Base class of solver options (see the module docstring). The CLI turns each field into
    `--field-name` (underscores become dashes; booleans `--flag/--no-flag`)."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field against its type and declared range; raises OptionError."""
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            value = check_value(f.name, hints.get(f.name, Any), getattr(self, f.name), f.metadata)
            object.__setattr__(self, f.name, value)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def fields_info(cls) -> dict[str, dict[str, Any]]:
        """{cli-name: {type, default, help, valid, optional}} for `quantcorr solvers NAME`."""
        hints = typing.get_type_hints(cls)
        out = {}
        for f in dataclasses.fields(cls):
            tp, optional = base_type(hints[f.name])
            default = f.default if f.default is not _MISSING else (
                f.default_factory() if f.default_factory is not _MISSING else None)
            name = "choice" if typing.get_origin(tp) is Literal else getattr(tp, "__name__", str(tp))
            out[f.name.replace("_", "-")] = {"type": name, "default": default, "help": f.metadata.get("help", ""),
                                             "valid": describe_range(f.metadata, tp), "optional": optional,
                                             "path": f.metadata.get("path")}
        return out
