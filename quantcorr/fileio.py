"""File-name tests that never raise: a long or odd command-line spec (e.g. a 460-character
`bloch:...` list) is simply not a file, instead of an OSError ("File name too long")."""

from __future__ import annotations

from pathlib import Path


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
