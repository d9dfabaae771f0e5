"""`quantcorr bench SUITE`: every registered solver on the problems of a suite."""

from __future__ import annotations

import importlib.util
import io
import json
import shlex
import time
from pathlib import Path

import click

from .main import cli

FORMATS = ("table", "markdown", "csv", "json")
SUFFIXES = {".md": "markdown", ".csv": "csv", ".json": "json"}


@cli.command()
@click.argument("suite")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="output format (default: from the --out suffix, else table)")
@click.option("--out", metavar="PATH", help="write the report to PATH (the terminal still shows the table)")
@click.option("--plot", "plot_path", metavar="PNG", help="plot verdicts and values versus v per problem")
@click.option("--workers", type=click.IntRange(min=1),
              help="local worker processes (default: CPU count; 1 runs inline)")
@click.option("--scheduler", metavar="ADDRESS", help="run the cells on the Dask cluster at ADDRESS")
@click.option("--quick", is_flag=True, help="each solver's quick options and a coarse grid (CI)")
@click.option("--solver", "solvers", multiple=True, metavar="NAME", help="only this solver (repeatable)")
@click.option("--problem", "problems", multiple=True, metavar="NAME", help="only this problem (repeatable)")
@click.option("--quick-solver", "quick_solvers", multiple=True, metavar="NAME",
              help="this solver's quick options, on the full grid (repeatable)")
@click.option("--set", "settings", multiple=True, metavar="SOLVER:OPTION=VALUE",
              help="change one option of a solver, e.g. gradient-lhs:steps=1000 (repeatable)")
@click.option("--cache", "cache_path", metavar="PATH",
              help="results cache (default: the --out JSON, else ~/.cache/quantcorr/bench/SUITE.json)")
@click.option("--fresh", is_flag=True, help="ignore cached results and recompute every cell")
@click.option("--timeout", type=click.FloatRange(min=1.0, max=7 * 86400.0), default=3600.0, show_default=True,
              metavar="SECONDS", help="a task running longer is stopped and recorded as failed (not cached)")
def bench(suite: str, fmt: str | None, out: str | None, plot_path: str | None, workers: int | None,
          scheduler: str | None, quick: bool, solvers: tuple[str, ...], problems: tuple[str, ...],
          quick_solvers: tuple[str, ...], settings: tuple[str, ...], cache_path: str | None, fresh: bool,
          timeout: float) -> None:
    """Compare every solver on SUITE (werner, isotropic, all, or one problem).

    Each problem x each registered solver that supports it x the problem's visibility grid
    (verdict, rigor, value, time per cell), plus each solver's threshold estimate or bracket
    against the problem's reference value.

    Finished cells are cached after each task, so an interrupted or repeated run recomputes only
    what is missing; a failing cell is recorded as "failed" and the run goes on."""
    from ..bench import cache as bcache, report, runner, suites
    from ..plugins import get_registry
    from .render import console, err_console

    if plot_path and importlib.util.find_spec("matplotlib") is None:  # fail before the run, not after
        raise click.UsageError("--plot needs matplotlib: pip install 'quantcorr[plot]'")
    implied = SUFFIXES.get(Path(out).suffix) if out else None
    if fmt and implied and fmt != implied:  # e.g. markdown written over a JSON results cache
        raise click.UsageError(f"--out {out} implies --format {implied}, but --format {fmt} was given")
    fmt = fmt or implied or "table"
    if cache_path is None:
        cache_path = out if out and fmt == "json" else str(bcache.default_cache_path(suite))
    from .paths import check_output

    check_output(out, (), "--out")
    check_output(plot_path, (), "--plot")
    check_output(cache_path, (), "--cache")
    if out and fmt != "json" and Path(out).resolve() == Path(cache_path).resolve():
        raise click.UsageError(f"--out {out} ({fmt}) would overwrite the results cache {cache_path}")
    registry = get_registry()
    entries = suites.plan(suite, registry, quick, solvers, problems, _overrides(registry, settings), quick_solvers)
    tasks = suites.tasks(suite, entries)
    cache = bcache.ResultsCache(cache_path, fresh=fresh)
    todo = sum(t.key not in cache for t in tasks)
    start = time.perf_counter()
    with runner.make_executor(workers, scheduler) as executor, _Progress(err_console, todo) as progress:
        records = runner.run_tasks(tasks, cache, executor, progress.advance, timeout=timeout)
    doc = report.build_document(suite, entries, records, quick=quick, wall_time_s=time.perf_counter() - start,
                                command=_command(click.get_current_context()))
    if out and fmt == "json" and Path(out).resolve() == Path(cache_path).resolve():
        stored = list(cache.all_records().values())  # the report doubles as the cache: keep every record
        doc["cells"] = [r for r in stored if r["kind"] == "cell"]
        doc["thresholds"] = [r for r in stored if r["kind"] == "threshold"]
    n_failed = sum(r["status"] == "failed" for r in records.values())
    err_console.print(f"{len(tasks)} tasks: {len(tasks) - todo} cached, {todo} run ({n_failed} failed) "
                      f"in {doc['wall_time_s']:.1f} s; cache {cache_path}", style="dim", highlight=False)
    if fmt == "table" or out:
        report.render_table(doc, console)
    if fmt == "table" and out:
        Path(out).write_text(_plain_table(doc))
    elif fmt != "table":
        _write(out or "-", fmt, doc)
    if plot_path:
        report.plot(doc, plot_path)


def _overrides(registry, settings: tuple[str, ...]) -> dict[str, dict]:
    """{solver: {field: value}} from SOLVER:OPTION=VALUE strings, typed as the solver's Options."""
    from .options import parse_solver_options

    out: dict[str, dict] = {}
    for item in settings:
        solver, colon, rest = item.partition(":")
        key, eq, value = rest.partition("=")
        if not (colon and eq and key):
            raise click.UsageError(f"--set expects SOLVER:OPTION=VALUE, got '{item}'")
        cls = type(registry.certifier(solver))
        field = key.strip().replace("-", "_")
        parsed = parse_solver_options(cls.Options, [f"--{key.strip()}={value}"], solver)
        out.setdefault(solver, {})[field] = getattr(parsed, field)
    return out


def _command(ctx: click.Context) -> str:
    """The command line of this run, rebuilt from its parameters."""
    args = ["quantcorr", "bench", ctx.params["suite"]]
    for param in ctx.command.params:
        value = ctx.params[param.name]
        if not isinstance(param, click.Option) or value in (None, False, ()):
            continue
        for v in value if isinstance(value, tuple) else (value,):
            args += [param.opts[0]] if v is True else [param.opts[0], str(v)]
    return shlex.join(args)


def _write(path: str, fmt: str, doc: dict) -> None:
    """Write the report as markdown, csv or json to PATH ('-' for stdout)."""
    from ..bench import report
    from ..jsonio import to_jsonable, write_json

    if fmt == "json" and path != "-":
        write_json(path, doc)
        return
    text = json.dumps(to_jsonable(doc), indent=2) + "\n" if fmt == "json" else \
        report.to_markdown(doc) if fmt == "markdown" else report.to_csv(doc)
    if path == "-":
        click.echo(text, nl=False)
    else:
        Path(path).write_text(text)


def _plain_table(doc: dict) -> str:
    """The rich table as plain text (for `--out FILE.txt`)."""
    from rich.console import Console

    from ..bench import report

    buf = Console(record=True, width=200, file=io.StringIO(), color_system=None)
    report.render_table(doc, buf)
    return buf.export_text()


class _Progress:
    """A rich progress bar on stderr, shown on a terminal only. It starts at the first finished
    task, after every task was submitted (so worker processes fork before its thread exists)."""

    def __init__(self, console, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("bench"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.description}"), console=console,
                                 disable=not console.is_terminal, transient=True)
        self.task = self.progress.add_task("", total=total)

    def __enter__(self) -> "_Progress":
        return self

    def advance(self, rec: dict) -> None:
        if not self.progress.live.is_started:
            self.progress.start()
        where = f"{rec['problem']} {rec['solver']} " + ("threshold" if rec["v"] is None else f"v={rec['v']:g}")
        self.progress.update(self.task, advance=1, description=where)

    def __exit__(self, *exc) -> None:
        self.progress.stop()
