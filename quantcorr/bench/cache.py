"""Results cache of bench runs: finished tasks keyed by suite/problem/solver/options/v.

The cache is a JSON file with the lists "cells" and "thresholds" (the report JSON has the same
lists, so `--out results.json` can serve as the cache). No finished result is ever lost:
- every finished task is stored at once, under an exclusive lock (`PATH.lock`, fcntl): the file
  is re-read, merged with the new record and rewritten atomically through a uniquely named temp
  file, so concurrent runs on one cache keep every record, and records of other solver
  selections or problems stay;
- a cache file that cannot be read (truncated, not JSON, another schema) is never overwritten:
  it is moved aside to `PATH.unreadable-<time>` with a warning, and the run starts empty.
Records marked "transient" (a worker process died, the cluster lost a task, a timeout) are
reported but never stored, so the next run retries them.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..jsonio import write_json

SCHEMA = "quantcorr-bench/1"
LISTS = {"cell": "cells", "threshold": "thresholds"}


class CacheWarning(UserWarning):
    """A cache file could not be read and was moved aside."""


def default_cache_path(suite: str) -> Path:
    """$XDG_CACHE_HOME/quantcorr/bench/SUITE.json (~/.cache when XDG_CACHE_HOME is unset)."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "quantcorr" / "bench" / f"{suite}.json"


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on PATH.lock for the duration of the block."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class ResultsCache:
    """Finished task records by key; `path=None` keeps them in memory only. `fresh=True`
    ignores the stored records for this run (they stay in the file)."""

    def __init__(self, path: str | Path | None, fresh: bool = False) -> None:
        self.path = None if path is None else Path(path)
        self.records: dict[str, dict[str, Any]] = {}
        self._ignored: set[str] = set()
        if self.path is not None:
            with locked(self.path):
                stored = _read(self.path)
            if fresh:
                self._ignored = set(stored)
            else:
                self.records = stored

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def get(self, key: str) -> dict[str, Any] | None:
        return self.records.get(key)

    def put(self, record: dict[str, Any]) -> None:
        """Store a finished record: merge it into the file under the lock (transient records
        are not stored)."""
        if record.get("transient"):
            return
        self.records[record["key"]] = record
        self._ignored.discard(record["key"])
        if self.path is None:
            return
        with locked(self.path):
            merged = _read(self.path)
            merged.update({k: r for k, r in self.records.items()})
            _write(self.path, merged)

    def all_records(self) -> dict[str, dict[str, Any]]:
        """Every record in the file and in memory (for a report that doubles as the cache)."""
        if self.path is None:
            return dict(self.records)
        with locked(self.path):
            merged = _read(self.path)
        merged.update(self.records)
        return merged


def _write(path: Path, records: dict[str, dict[str, Any]]) -> None:
    doc: dict[str, Any] = {"schema": SCHEMA, **{name: [] for name in LISTS.values()}}
    for rec in records.values():
        doc[LISTS[rec["kind"]]].append(rec)
    write_json(path, doc)


def _read(path: Path) -> dict[str, dict[str, Any]]:
    """Records of a cache or report file by key. A file that exists but cannot be read as a
    cache is moved aside (never overwritten) with a warning."""
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text())
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            raise ValueError(f"not a quantcorr bench cache (schema {doc.get('schema') if isinstance(doc, dict) else None!r})")
        recs = [r for name in LISTS.values() for r in doc.get(name, []) if isinstance(r, dict) and "key" in r
                and r.get("kind") in LISTS]
    except (OSError, ValueError) as exc:
        aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        os.replace(path, aside)
        warnings.warn(f"bench cache {path} could not be read ({str(exc).splitlines()[0][:120]}); moved it aside to "
                      f"{aside} and started an empty cache", CacheWarning, stacklevel=3)
        return {}
    return {r["key"]: r for r in recs if not r.get("transient")}
