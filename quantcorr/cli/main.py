"""`quantcorr` command-line interface (click). Heavy modules are imported inside commands.

Errors a user can cause print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import os
import warnings

import click

SOLVER_ARGS = dict(ignore_unknown_options=True, allow_extra_args=True, help_option_names=["-h", "--help"])


class UserError(click.ClickException):
    """Shown as one line "Error: ..." on stderr, exit status 2."""

    exit_code = 2


class LazyGroup(click.Group):
    """Adds plugin commands (hook `register_commands`) the first time commands are listed, and
    turns user errors (QuantcorrError, usage errors) into one-line messages with exit status 2."""

    _plugins_loaded = False

    def _load_plugins(self) -> None:
        if not self._plugins_loaded:
            self._plugins_loaded = True
            from ..plugins import get_registry

            get_registry().call_register_commands(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = super().get_command(ctx, name)
        if cmd is None:
            self._load_plugins()
            cmd = super().get_command(ctx, name)
        return cmd

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise UserError(exc.format_message()) from None

    def invoke(self, ctx: click.Context):
        from ..errors import QuantcorrError

        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise UserError(exc.format_message()) from None
        except QuantcorrError as exc:
            raise UserError(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("QUANTCORR_DEBUG"):
                raise
            raise click.ClickException(f"internal error {type(exc).__name__}: {exc} "
                                       "(QUANTCORR_DEBUG=1 shows the traceback)") from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="quantcorr")
@click.option("--threads", type=click.IntRange(min=0, max=1024), default=None, metavar="N",
              help="BLAS/OpenMP threads for the solvers' linear algebra (default 1; 0: library default)")
def cli(threads: int | None) -> None:
    """Certify quantum correlations: steering, Bell locality, quantum and post-quantum sets.

    Party 0 (Alice) steers; the last party (Bob) is trusted. `quantcorr solvers NAME` lists a
    solver's options, which go after the other options of certify/threshold.
    """
    if threads is not None:
        from ..threads import ENV

        os.environ[ENV] = str(threads)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"Warning: {message}", err=True)


def main() -> None:
    """Console entry point."""
    warnings.showwarning = _show_warning
    cli(prog_name="quantcorr")


from . import commands  # noqa: E402,F401  (registers the built-in commands on `cli`)
from . import bench_cmd  # noqa: E402,F401  (registers `quantcorr bench`)
