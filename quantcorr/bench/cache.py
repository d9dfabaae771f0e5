"""Results cache of bench runs: finished tasks keyed by suite/problem/solver/options/v.

The cache is a JSON file with the lists "cells" and "thresholds" (the report JSON has the same
lists, so `--out results.json` can serve as the cache). It is rewritten atomically after every
finished task, so an interrupted run loses nothing it finished. Records marked "transient"
(a worker process died, the cluster lost a task) are reported but never stored, so the next run
retries them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..jsonio import write_json

SCHEMA = "quantcorr-bench/1"
LISTS = {"cell": "cells", "threshold": "thresholds"}


def default_cache_path(suite: str) -> Path:
    """$XDG_CACHE_HOME/quantcorr/bench/SUITE.json (~/.cache when XDG_CACHE_HOME is unset)."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "quantcorr" / "bench" / f"{suite}.json"


class ResultsCache:
    """Finished task records by key; `path=None` keeps them in memory only."""

    def __init__(self, path: str | Path | None, fresh: bool = False) -> None:
        self.path = None if path is None else Path(path)
        self.records: dict[str, dict[str, Any]] = {}
        if self.path is not None and self.path.exists() and not fresh:
            self.records = {r["key"]: r for r in _read(self.path) if not r.get("transient")}

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def get(self, key: str) -> dict[str, Any] | None:
        return self.records.get(key)

    def put(self, record: dict[str, Any]) -> None:
        """Store a finished record and rewrite the file (transient records are not stored)."""
        if record.get("transient"):
            return
        self.records[record["key"]] = record
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        doc: dict[str, Any] = {"schema": SCHEMA, **{name: [] for name in LISTS.values()}}
        for rec in self.records.values():
            doc[LISTS[rec["kind"]]].append(rec)
        write_json(self.path, doc)


def _read(path: Path) -> list[dict[str, Any]]:
    """Records of a cache or report file; an unreadable file is treated as empty (and replaced)."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        return []
    return [r for name in LISTS.values() for r in doc.get(name, []) if isinstance(r, dict) and "key" in r]
