"""Small file helpers: name tests that never raise (a long or odd command-line spec, e.g. a
460-character `bloch:...` list, is simply not a file instead of an OSError "File name too
long"), and the one atomic writer every output goes through."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
