"""Entry point of the gradient plugin. Imports nothing heavy: torch is loaded only when the
solver runs or `quantcorr verify` is invoked."""

from __future__ import annotations

from typing import Any, Callable

from quantcorr import hookimpl


@hookimpl
def register_certifiers(register: Callable[[type], None]) -> None:
    from .certifier import GradientLhs

    register(GradientLhs)


@hookimpl
def register_commands(cli: Any) -> None:
    from .cli import verify

    cli.add_command(verify)
