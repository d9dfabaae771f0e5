"""Solver options on the command line: each field of a certifier's `Options` dataclass becomes
`--field-name VALUE` (booleans: `--field-name` / `--no-field-name`)."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

from ..errors import OptionError, QuantcorrError
from ..options import base_type


def _base_type(tp: Any) -> Any:
    """Strip Optional[...] / X | None."""
    return base_type(tp)[0]


def option_fields(options_cls: type) -> dict[str, tuple[Any, Any, str]]:
    """{cli-name: (type, default, help)} for each field of the dataclass."""
    hints = typing.get_type_hints(options_cls)
    out = {}
    for f in dataclasses.fields(options_cls):
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        out[f.name.replace("_", "-")] = (_base_type(hints[f.name]), default, f.metadata.get("help", ""))
    return out


def _convert(name: str, tp: Any, raw: str) -> Any:
    if typing.get_origin(tp) is Literal:
        choices = typing.get_args(tp)
        if raw not in [str(c) for c in choices]:
            raise OptionError(f"--{name} must be one of {', '.join(map(str, choices))}, got '{raw}'")
        return next(c for c in choices if str(c) == raw)
    if tp is bool:
        low = raw.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise OptionError(f"--{name} expects true or false, got '{raw}'")
    if tp in (int, float):
        try:
            if tp is int:
                try:
                    val = int(raw)
                except ValueError:  # '1e4' or '3.0'
                    as_float = float(raw)
                    if not as_float.is_integer():
                        raise
                    val = int(as_float)
            else:
                val = float(raw)
        except (ValueError, OverflowError):
            raise OptionError(f"--{name} expects {'an integer' if tp is int else 'a number'}, got '{raw}'") from None
        return val
    return raw


def parse_solver_options(options_cls: type, args: list[str], solver: str) -> Any:
    """Build an Options instance from leftover command-line arguments."""
    fields = option_fields(options_cls)
    values: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            raise OptionError(f"unexpected argument '{arg}'")
        key, eq, raw = arg[2:].partition("=")
        negated = key.startswith("no-") and key[3:] in fields and fields[key[3:]][0] is bool
        name = key[3:] if negated else key
        if name not in fields:
            known = ", ".join(f"--{n}" for n in fields) or "none"
            raise OptionError(f"solver '{solver}' has no option --{name}; its options: {known}")
        tp = fields[name][0]
        if tp is bool and not eq:
            values[name] = not negated
            i += 1
            continue
        if not eq:
            if i + 1 >= len(args):
                raise OptionError(f"--{name} needs a value")
            raw = args[i + 1]
            i += 1
        values[name] = _convert(name, tp, raw)
        i += 1
    try:
        return options_cls(**{k.replace("-", "_"): v for k, v in values.items()})
    except QuantcorrError:
        raise
    except (TypeError, ValueError) as exc:
        raise OptionError(f"invalid options for solver '{solver}': {exc}") from None
