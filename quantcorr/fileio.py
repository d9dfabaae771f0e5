"""Small file helpers: name tests that never raise (a long or odd command-line spec, e.g. a
460-character `bloch:...` list, is simply not a file instead of an OSError "File name too
long"), the one reader of `.npy` / `.json` inputs (never unpickling), and the one atomic writer
every output goes through. numpy is imported inside functions: the CLI imports this module at
start-up."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import InputFileError


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write `data` through a uniquely named temporary file in the same directory and rename it,
    so an interrupted run never leaves half a file and concurrent writers never share a temp file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def is_file(text: str | Path) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def exists(text: str | Path) -> bool:
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


def read_npy_or_json(path: str | Path, what: str) -> Any:
    """The array of a `.npy` file (pickles refused) or the document of a `.json` file; any
    problem is a one-line InputFileError naming `what` ("assemblage", "operator", ...)."""
    import json

    import numpy as np

    path = Path(path)
    if not is_file(path):
        raise InputFileError(f"{what} file not found: {path}")
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if path.suffix == ".json":
            return json.loads(path.read_text())
    except (OSError, ValueError, EOFError) as exc:
        raise InputFileError(f"cannot read {what} file {path}: {str(exc).splitlines()[0]}") from None
    raise InputFileError(f"{what} file {path}: expected a .npy or .json file")
