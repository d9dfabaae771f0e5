"""Output paths are checked before any computation starts, so a long run never ends in an
unwritable path, and never overwrites one of its own inputs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from ..fileio import exists
from ..errors import OutputPathError


def check_output(path: str | None, inputs: Iterable[str] = (), what: str = "output") -> None:
    """Refuse an output path that is a directory, cannot be created or written, or is one of
    the input files. '-' (standard output) and None pass."""
    if path is None or path == "-":
        return
    p = Path(path).expanduser()
    if p.is_dir():
        raise OutputPathError(f"{what} path {path} is a directory")
    resolved = p.resolve()
    for inp in inputs:
        if inp and exists(Path(inp).expanduser()) and Path(inp).expanduser().resolve() == resolved:
            raise OutputPathError(f"{what} path {path} is also an input file: refusing to overwrite it")
    parent = p.parent if str(p.parent) else Path(".")
    existing = parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputPathError(f"{what} path {path}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"{what} path {path}: directory {existing} is not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputPathError(f"{what} path {path} exists and is not writable")
