"""JSON encoding of numpy data: complex arrays become {"real": ..., "imag": ...}."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy arrays/scalars, dataclass-like objects and tuples to JSON types."""
    if isinstance(obj, np.ndarray):
        if np.iscomplexobj(obj):
            return {"__array__": "complex", "real": obj.real.tolist(), "imag": obj.imag.tolist()}
        return {"__array__": "real", "data": obj.tolist()}
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, complex):
        return {"__complex__": [obj.real, obj.imag]}
    if isinstance(obj, float) and not np.isfinite(obj):
        return {"__float__": str(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "to_json"):
        return obj.to_json()
    return obj


def from_jsonable(obj: Any) -> Any:
    """Inverse of `to_jsonable` for arrays, complex numbers and non-finite floats."""
    if isinstance(obj, dict):
        kind = obj.get("__array__")
        if kind == "complex":
            return np.asarray(obj["real"], float) + 1j * np.asarray(obj["imag"], float)
        if kind == "real":
            return np.asarray(obj["data"])
        if "__complex__" in obj:
            return complex(*obj["__complex__"])
        if "__float__" in obj:
            return float(obj["__float__"])
        return {k: from_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_jsonable(v) for v in obj]
    return obj


def write_json(path: str | Path, data: Any) -> None:
    """Write atomically (`fileio.write_atomic`): an interrupted run never leaves half a file."""
    from .fileio import write_atomic

    write_atomic(path, json.dumps(to_jsonable(data), indent=2).encode())
