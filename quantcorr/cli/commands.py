"""Built-in commands: certify, threshold, solvers, plugins."""

from __future__ import annotations

import json
import click

from .main import SOLVER_ARGS, cli

STATE_HELP = "werner, isotropic, ghz, w, partially_entangled, antisymmetric, product, or a .npy/.json file"
MEAS_HELP = ("xz, paulis, cube, icosahedron, dodecahedron, icosidodecahedron, geodesic-N, mubs, mubs:K, "
             "bloch:x,y,z;..., pvm, povm, or a POVM file (.json/.npy)")


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """`--param KEY=VALUE` pairs as a dict (public: plugin commands reuse it)."""
    out = {}
    for p in pairs:
        key, eq, val = p.partition("=")
        if not eq or not key:
            raise click.UsageError(f"--param expects KEY=VALUE, got '{p}'")
        out[key.strip()] = val.strip()
    return out


def write_json_output(path: str, data: dict) -> None:
    """Write JSON to PATH atomically, or print it when PATH is '-' (public: plugin commands reuse it)."""
    from ..jsonio import write_json

    if path == "-":
        click.echo(json.dumps(data, indent=2))
    else:
        write_json(path, data)


def target_options(f):
    f = click.option("--measurements", "-m", required=True, help=MEAS_HELP)(f)
    f = click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                     help="state parameter, e.g. v=0.45 or d=3 (repeatable)")(f)
    f = click.option("--state", "-s", required=True, help=STATE_HELP)(f)
    f = click.option("--solver", required=True, help="solver name (see `quantcorr solvers`)")(f)
    return f


def _solver_and_options(name: str, extra: list[str]):
    from ..plugins import get_registry
    from .options import parse_solver_options

    certifier = get_registry().certifier(name)
    return certifier, parse_solver_options(certifier.Options, extra, name)


@cli.command(context_settings=SOLVER_ARGS)
@target_options
@click.option("--json", "json_path", metavar="PATH", help="write the result as JSON ('-' for stdout)")
@click.pass_context
def certify(ctx: click.Context, solver: str, state: str, params: tuple[str, ...], measurements: str,
            json_path: str | None) -> None:
    """Ask SOLVER about STATE under MEASUREMENTS (party 0 steers the last party)."""
    from ..certifier import SteeringTarget
    from ..measurements import measurements_from_spec
    from ..states import state_from_spec

    certifier, options = _solver_and_options(solver, ctx.args)
    st = state_from_spec(state, parse_params(params))
    target = SteeringTarget(st, measurements_from_spec(measurements, st.dims[0]))
    result = certifier.certify(target, options)
    if json_path != "-":
        from .render import show_result

        show_result(result)
    if json_path:
        write_json_output(json_path, result.to_json())
    if result.verdict.value == "failed":
        ctx.exit(1)


@cli.command(context_settings=SOLVER_ARGS)
@target_options
@click.option("--json", "json_path", metavar="PATH", help="write the threshold as JSON ('-' for stdout)")
@click.option("--plot", "plot_path", metavar="PNG", help="plot the evaluated points against v")
@click.pass_context
def threshold(ctx: click.Context, solver: str, state: str, params: tuple[str, ...], measurements: str,
              json_path: str | None, plot_path: str | None) -> None:
    """Critical visibility v of STATE mixed with white noise: v*rho + (1-v)*I/D.

    A `v` given with --param is ignored; other parameters (e.g. d=3) fix the family."""
    from ..measurements import measurements_from_spec
    from ..states import state_from_spec
    from ..threshold import VisibilityFamily

    certifier, options = _solver_and_options(solver, ctx.args)
    pars = {k: v for k, v in parse_params(params).items() if k != "v"}
    base = state_from_spec(state, {**pars, "v": 1.0})
    family = VisibilityFamily(base)
    meas = measurements_from_spec(measurements, base.dims[0])
    result = certifier.critical_visibility(family, meas, options)
    if json_path != "-":
        from .render import show_threshold

        show_threshold(result)
    if json_path:
        write_json_output(json_path, result.to_json())
    if plot_path:
        from ..plotting import plot_threshold

        plot_threshold(result, plot_path)


def _solver_rows() -> list[dict]:
    from ..plugins import get_registry

    reg = get_registry()
    rows = []
    for name, cls in sorted(reg.certifiers.items()):
        ok, why = cls.availability()
        rows.append({"name": name, "questions": list(cls.questions), "available": ok, "why_not": why,
                     "rigor": cls.rigor, "plugin": reg.plugin_of("solver", name), "description": cls.description})
    return rows


@cli.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
def solvers(name: str | None, as_json: bool) -> None:
    """List solvers (or show one solver's options)."""
    if name:
        return _solver_details(name, as_json)
    rows = _solver_rows()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    from .render import console

    t = Table(title="quantcorr solvers", title_justify="left")
    for col in ("name", "questions", "available", "rigor", "plugin", "description"):
        t.add_column(col)
    for r in rows:
        avail = "[green]yes[/]" if r["available"] else f"[red]no[/] ({r['why_not']})"
        t.add_row(r["name"], ", ".join(r["questions"]), avail, r["rigor"], r["plugin"] or "-", r["description"])
    console.print(t)


def _solver_details(name: str, as_json: bool) -> None:
    from ..plugins import get_registry
    from .options import option_fields

    cls = type(get_registry().certifier(name))
    fields = option_fields(cls.Options)
    if as_json:
        row = next(r for r in _solver_rows() if r["name"] == name)
        row["options"] = {k: {"type": getattr(t, "__name__", str(t)), "default": d, "help": h}
                          for k, (t, d, h) in fields.items()}
        click.echo(json.dumps(row, indent=2, default=str))
        return
    click.echo(f"{name}: {cls.description}\nquestions: {', '.join(cls.questions)}; rigor: {cls.rigor}\noptions:")
    for k, (t, d, h) in fields.items():
        click.echo(f"  --{k} {getattr(t, '__name__', str(t)).upper():8s} default {d!r}. {h}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
def plugins(as_json: bool) -> None:
    """List loaded plugins, their versions and load errors."""
    from ..plugins import get_registry

    infos = [p.to_json() for p in get_registry().plugins.values()]
    if as_json:
        click.echo(json.dumps(infos, indent=2))
        return
    from rich.table import Table

    from .render import console

    t = Table(title="quantcorr plugins", title_justify="left")
    for col in ("plugin", "module", "distribution", "version", "solvers", "problems", "status"):
        t.add_column(col)
    for p in infos:
        status = "[green]loaded[/]" if p["loaded"] else "[red]" + "; ".join(p["errors"]) + "[/]"
        t.add_row(p["name"], p["module"], p["distribution"] or "-", p["version"] or "-",
                  ", ".join(p["certifiers"]) or "-", ", ".join(p["problems"]) or "-", status)
    console.print(t)
