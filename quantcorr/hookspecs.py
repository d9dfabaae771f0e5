"""pluggy hook specifications of the `quantcorr` project.

Every hook is called with keyword arguments only and must not depend on the order in which
plugins are called. A plugin module exposes functions decorated with `quantcorr.hookimpl` and is
registered through an entry point in the group `quantcorr`:

    [project.entry-points.quantcorr]
    mysolver = "my_package.plugin"
"""

from __future__ import annotations

from typing import Callable

import pluggy

hookspec = pluggy.HookspecMarker("quantcorr")
hookimpl = pluggy.HookimplMarker("quantcorr")


@hookspec
def register_certifiers(register: Callable[[object], None]) -> None:
    """Call `register(SolverRef(...))` once per certifier the plugin provides: a light descriptor
    (name, "module:Class" path, questions, rigor, requires, description) whose class is imported
    on first use, so listing solvers imports no numerical code. `register(CertifierSubclass)`
    is accepted too (the class is then imported with the plugin)."""


@hookspec
def register_problems(register: Callable[[object], None]) -> None:
    """Call `register(problem)` once per `quantcorr.problems.Problem` the plugin provides."""


@hookspec
def register_commands(cli: object) -> None:
    """Add click commands to the `quantcorr` click group `cli` (e.g. `cli.add_command(cmd)`).
    A command whose name is already taken (a built-in or another plugin's) is refused with a
    warning naming both."""


@hookspec
def register_targets(register: Callable[[object], None]) -> None:
    """Call `register(NamedTarget(...))` once per named assemblage or behaviour the plugin
    provides (`quantcorr.targets.NamedTarget`: name, kind "assemblage" | "behaviour", builder,
    one-line description, typed parameters). Users reach them with `--assemblage NAME` /
    `--behaviour NAME` and `--param k=v`; `quantcorr targets` lists them."""
