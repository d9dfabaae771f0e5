"""Bench plans: which problems, solvers, options and visibility points a suite covers.

A suite is a name listed in `Problem.suites` (e.g. "werner", "isotropic"), "all", or the name of
one problem. Every registered certifier that answers the problem's question and `supports()` its
target joins the suite, so third-party solvers and problems appear with no core change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..errors import UnknownNameError
from ..jsonio import to_jsonable
from ..problems import WERNER_GRID

if TYPE_CHECKING:
    from ..certifier import Certifier, Options
    from ..plugins import Registry
    from ..problems import Problem

ALL = "all"
QUICK_POINTS = 3


@dataclass(frozen=True, eq=False)
class Entry:
    """One (problem, solver) row of a suite. `status` is "ok", "unavailable" (missing modules) or
    "failed" (the plan could not be made, e.g. `supports()` raised); `reason` says why."""

    problem: "Problem"
    solver: str
    certifier: "type[Certifier]"
    options: "Options"
    grid: tuple[float, ...]
    status: str = "ok"
    reason: str = ""

    @cached_property
    def options_id(self) -> str:
        """Short stable hash of the options, part of every cache key."""
        text = json.dumps(to_jsonable(self.options.to_dict()), sort_keys=True, default=str)
        return hashlib.sha1(text.encode()).hexdigest()[:10]


@dataclass(frozen=True, eq=False)
class Task:
    """One unit of work: a certify call at visibility `v` ("cell") or a critical-visibility
    estimate ("threshold")."""

    key: str
    kind: str
    entry: Entry
    v: float | None = None


def suite_names(registry: "Registry") -> list[str]:
    """Suites named by the registered problems, plus "all"."""
    return sorted({s for p in registry.problems.values() for s in p.suites}) + [ALL]


def suite_problems(suite: str, registry: "Registry") -> list["Problem"]:
    """The problems of `suite` in registration order (a problem name is a suite of one)."""
    probs = list(registry.problems.values())
    if suite == ALL:
        return probs
    if suite in registry.problems:
        return [registry.problems[suite]]
    chosen = [p for p in probs if suite in p.suites]
    if not chosen:
        raise UnknownNameError(f"unknown bench suite '{suite}'; suites: {', '.join(suite_names(registry))} "
                               "(or a problem name)")
    return chosen


def coarse(grid: tuple[float, ...], n: int = QUICK_POINTS) -> tuple[float, ...]:
    """`n` evenly spaced points of `grid`, both ends included."""
    if len(grid) <= n:
        return grid
    return tuple(grid[round(k * (len(grid) - 1) / (n - 1))] for k in range(n))


def _entry(problem: "Problem", name: str, cls: "type[Certifier]", quick: bool, quick_options: bool,
           overrides: dict[str, Any]) -> Entry | None:
    """The row of (problem, solver), or None when the solver does not address the problem."""
    grid = problem.grid or WERNER_GRID
    grid = coarse(grid) if quick else tuple(grid)
    if problem.question not in cls.questions:
        return None
    try:
        options = dataclasses.replace(cls.quick_options() if quick or quick_options else cls.Options(), **overrides)
        if not cls().supports(problem.target_at(grid[0])):
            return None
    except Exception as exc:  # a plugin bug shows as a failed row, not a crash
        from ..certifier import Options

        return Entry(problem, name, cls, Options(), grid, "failed", f"planning failed: {type(exc).__name__}: {exc}")
    ok, why = cls.availability()
    return Entry(problem, name, cls, options, grid, "ok" if ok else "unavailable", why)


def plan(suite: str, registry: "Registry", quick: bool = False, solvers: tuple[str, ...] = (),
         problems: tuple[str, ...] = (), overrides: dict[str, dict[str, Any]] | None = None,
         quick_solvers: tuple[str, ...] = ()) -> list[Entry]:
    """Rows of `suite`: its problems (optionally only `problems`) x the registered solvers
    (optionally only `solvers`) that support them. `quick` takes quick options and a coarse
    grid; `quick_solvers` take quick options on the full grid; `overrides` {solver: {field:
    value}} then change fields of a solver's options."""
    overrides = overrides or {}
    for name in (*solvers, *overrides, *quick_solvers):
        registry.certifier(name)  # raises UnknownNameError listing the known solvers
    chosen = suite_problems(suite, registry)
    if problems:
        unknown = sorted(set(problems) - {p.name for p in chosen})
        if unknown:
            raise UnknownNameError(f"problem(s) {', '.join(unknown)} not in suite '{suite}'; "
                                   f"its problems: {', '.join(p.name for p in chosen)}")
        chosen = [p for p in chosen if p.name in problems]
    entries = []
    for problem in chosen:
        for name, ref in sorted(registry.certifiers.items()):
            if solvers and name not in solvers:
                continue
            if problem.question not in ref.questions:
                continue
            try:
                cls = registry.solver_class(name)
            except Exception as exc:  # a solver module that fails to import: a failed row
                from ..certifier import Certifier, Options

                entries.append(Entry(problem, name, Certifier, Options(), problem.grid or WERNER_GRID, "failed", str(exc)))
                continue
            entry = _entry(problem, name, cls, quick, name in quick_solvers, overrides.get(name, {}))
            if entry is not None:
                entries.append(entry)
    return entries


def task_key(suite: str, entry: Entry, v: float | None = None) -> str:
    """suite/problem/solver/options-hash/(v=... | threshold): the cache key of a task."""
    return (f"{suite}/{entry.problem.name}/{entry.solver}/{entry.options_id}/"
            + ("threshold" if v is None else f"v={v:.6g}"))


def tasks(suite: str, entries: list[Entry]) -> list[Task]:
    """Threshold tasks first (they take longest), then one cell per grid point; rows that are
    not "ok" get none."""
    ok = [e for e in entries if e.status == "ok"]
    return ([Task(task_key(suite, e), "threshold", e) for e in ok]
            + [Task(task_key(suite, e, v), "cell", e, v) for e in ok for v in e.grid])
