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
def register_certifiers(register: Callable[[type], None]) -> None:
    """Call `register(CertifierSubclass)` once per certifier the plugin provides."""


@hookspec
def register_problems(register: Callable[[object], None]) -> None:
    """Call `register(problem)` once per `quantcorr.problems.Problem` the plugin provides."""


@hookspec
def register_commands(cli: object) -> None:
    """Add click commands to the `quantcorr` click group `cli` (e.g. `cli.add_command(cmd)`)."""
