"""Built-in commands: certify, threshold, solvers, plugins."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from ..fileio import is_file
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
    """The target options shared by certify and threshold (exactly one target per call)."""
    opts = [
        click.option("--solver", required=True, help="solver name (see `quantcorr solvers`)"),
        click.option("--state", "-s", help=STATE_HELP),
        click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                     help="parameter of a named state or target, e.g. v=0.45 or d=3 (repeatable)"),
        click.option("--measurements", "-m", help=MEAS_HELP + "; one per black-box party: 'xz|paulis'"),
        click.option("--bob-measurements", help="Bob's measurements too: the target is the Bell behaviour p(a,b|x,y)"),
        click.option("--assemblage", help="assemblage .npy/.json file or registered name (`quantcorr targets`)"),
        click.option("--behaviour", help="behaviour .npy/.json file, chsh:c1,...,c8 or registered name"),
        click.option("--dims", help="subsystem dimensions of a state file, e.g. 2,3 (last: Bob)"),
        click.option("--allow-non-psd", is_flag=True,
                     help="accept an assemblage with non-PSD elements (pseudo-assemblages; only for solvers that "
                          "study them)"),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def build_spec(state, params, measurements, bob_measurements, assemblage, behaviour, dims, allow_non_psd):
    """The `TargetSpec` of the command line (validated: exactly one target)."""
    from ..states import parse_dims
    from ..target_spec import TargetSpec

    return TargetSpec(state, measurements, bob_measurements, assemblage, behaviour, parse_params(params),
                      parse_dims(dims), allow_non_psd)


def _solver_and_options(name: str, extra: list[str], inputs: list[str]):
    """The certifier and its parsed options; output-path options are checked before any work."""
    from ..plugins import get_registry
    from .options import parse_solver_options
    from .paths import check_output

    certifier = get_registry().certifier(name)
    options = parse_solver_options(certifier.Options, extra, name)
    for f in dataclasses.fields(options):
        kind = f.metadata.get("path")
        value = getattr(options, f.name)
        if value and kind in ("out", "inout"):
            check_output(value, inputs, f"--{f.name.replace('_', '-')}")
        if value and kind == "in" and not is_file(value):
            from ..errors import InputFileError

            raise InputFileError(f"--{f.name.replace('_', '-')}: file not found: {value}")
    return certifier, options


def _check_pseudo(certifier, spec) -> None:
    if spec.allow_non_psd and not getattr(certifier, "accepts_non_psd", False):
        from ..errors import ValidationError

        raise ValidationError(f"solver '{certifier.name}' needs PSD assemblages; --allow-non-psd is for solvers "
                              "that study pseudo-assemblages (e.g. almost-quantum, steering-negativity)")


def _outputs(json_path: str | None, plot_path: str | None, spec) -> None:
    from .paths import check_output

    inputs = spec.input_files()
    check_output(json_path, inputs, "--json")
    check_output(plot_path, inputs, "--plot")
    if json_path and plot_path and json_path != "-" and Path(json_path).resolve() == Path(plot_path).resolve():
        from ..errors import OutputPathError

        raise OutputPathError("--json and --plot name the same file")


@cli.command(context_settings=SOLVER_ARGS)
@target_options
@click.option("--json", "json_path", metavar="PATH", help="write the result as JSON ('-' for stdout)")
@click.pass_context
def certify(ctx: click.Context, solver: str, state, params, measurements, bob_measurements, assemblage, behaviour,
            dims, allow_non_psd, json_path: str | None) -> None:
    """Ask SOLVER about one target (party 0 steers; the last party, Bob, is trusted)."""
    spec = build_spec(state, params, measurements, bob_measurements, assemblage, behaviour, dims, allow_non_psd)
    _outputs(json_path, None, spec)
    certifier, options = _solver_and_options(solver, ctx.args, spec.input_files())
    _check_pseudo(certifier, spec)
    result = certifier.certify(spec.target(), options)
    result.target_spec = spec.to_json()
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
def threshold(ctx: click.Context, solver: str, state, params, measurements, bob_measurements, assemblage, behaviour,
              dims, allow_non_psd, json_path: str | None, plot_path: str | None) -> None:
    """Critical visibility: the largest v at which v*target + (1-v)*noise gets the classical
    verdict (unsteerable, local, quantum). Noise: I/D for states, I/(dB o1..on) per element for
    assemblages, uniform outcomes for behaviours. A `v` given with --param is ignored; other
    parameters (e.g. d=3) fix the family."""
    if plot_path:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            raise click.UsageError("--plot needs matplotlib: pip install 'quantcorr[plot]'")
    spec = build_spec(state, params, measurements, bob_measurements, assemblage, behaviour, dims, allow_non_psd)
    _outputs(json_path, plot_path, spec)
    certifier, options = _solver_and_options(solver, ctx.args, spec.input_files())
    _check_pseudo(certifier, spec)
    family, meas = spec.family()
    from ..threshold import target_at

    probe = target_at(family, meas, 1.0)
    if not certifier.supports(probe):
        from ..certifier import unsupported_message
        from ..errors import UnsupportedTargetError

        raise UnsupportedTargetError(unsupported_message(solver, probe))
    from ..threads import thread_limit

    with thread_limit():
        result = certifier.critical_visibility(family, meas, options)
    result.target_spec = spec.to_json()
    if json_path != "-":
        from .render import show_threshold

        show_threshold(result)
    if json_path:
        write_json_output(json_path, result.to_json())
    if plot_path:
        from ..plotting import plot_threshold

        plot_threshold(result, plot_path)


def _target_kinds(name: str) -> str:
    """Which target kinds a solver takes, probed with small examples (imports the solver)."""
    from ..plugins import get_registry
    from ..probes import probe_targets

    try:
        cert = get_registry().certifier(name)
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"
    kinds = []
    for kind, targets in probe_targets().items():
        try:
            if any(cert.supports(t) for t in targets):
                kinds.append(kind)
        except Exception:
            continue
    return ", ".join(kinds) or "-"


def _solver_rows(with_kinds: bool = False) -> list[dict]:
    from ..plugins import get_registry

    reg = get_registry()
    rows = []
    for name, ref in sorted(reg.certifiers.items()):
        ok, why = ref.availability()
        row = {"name": name, "questions": list(ref.questions), "available": ok, "why_not": why,
               "rigor": ref.rigor, "plugin": reg.plugin_of("solver", name), "description": ref.description}
        if with_kinds:
            row["targets"] = ", ".join(ref.targets) if ref.targets else (_target_kinds(name) if ok else "-")
        rows.append(row)
    return rows


@cli.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.option("--targets/--no-targets", "with_kinds", default=True,
              help="show the target kinds each solver takes (declared, else probed by importing the solver)")
def solvers(name: str | None, as_json: bool, with_kinds: bool) -> None:
    """List solvers: questions, target kinds, availability, rigor (or one solver's options)."""
    if name:
        return _solver_details(name, as_json)
    rows = _solver_rows(with_kinds)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    from .render import console

    t = Table(title="quantcorr solvers", title_justify="left")
    for col in ("name", "answers", *(("targets",) if with_kinds else ()), "rigor", "plugin"):
        t.add_column(col, overflow="fold", no_wrap=col == "name")
    for r in rows:
        name = r["name"] if r["available"] else f"[red]{r['name']}[/] (unavailable)"
        t.add_row(name, ", ".join(r["questions"]), *((r["targets"].replace(", ", "\n"),) if with_kinds else ()),
                  r["rigor"], r["plugin"] or "-")
    console.print(t)
    for r in rows:
        why = "" if r["available"] else f" [red]({r['why_not']})[/]"
        console.print(f"[bold]{r['name']}[/]: {r['description']}{why}", highlight=False)


def _solver_details(name: str, as_json: bool) -> None:
    from ..plugins import get_registry

    reg = get_registry()
    ref = reg.solver_ref(name)
    cls = reg.solver_class(name)
    fields = cls.Options.fields_info()
    if as_json:
        row = next(r for r in _solver_rows() if r["name"] == name)
        row["targets"] = _target_kinds(name)
        row["options"] = fields
        click.echo(json.dumps(row, indent=2, default=str))
        return
    click.echo(f"{name}: {ref.description}\nquestions: {', '.join(ref.questions)}; rigor: {ref.rigor}; "
               f"targets: {_target_kinds(name)}\noptions (after the target options of certify/threshold):")
    for k, info in fields.items():
        valid = f" [{info['valid']}]" if info["valid"] else ""
        click.echo(f"  --{k} {info['type'].upper()}{valid} default {info['default']!r}. {info['help']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of tables")
def targets(as_json: bool) -> None:
    """List every target name: states, measurement sets, assemblages and behaviours, with parameters."""
    from ..plugins import get_registry
    from .catalogue import state_rows, measurement_rows

    reg = get_registry()
    doc = {"states": state_rows(), "measurements": measurement_rows(),
           "assemblages": [t.to_json() | {"plugin": reg.plugin_of("assemblage", n)}
                           for n, t in sorted(reg.targets["assemblage"].items())],
           "behaviours": [t.to_json() | {"plugin": reg.plugin_of("behaviour", n)}
                          for n, t in sorted(reg.targets["behaviour"].items())]}
    if as_json:
        click.echo(json.dumps(doc, indent=2, default=str))
        return
    from rich.table import Table

    from .render import console

    for kind, rows in doc.items():
        t = Table(title=kind, title_justify="left")
        for col in ("name", "parameters", "description", "plugin"):
            t.add_column(col, overflow="fold")
        for r in rows:
            params = ", ".join(f"{p['name']}:{p['type']}={p['default']}" for p in r.get("params", []))
            t.add_row(r["name"], params or "-", r.get("description", ""), r.get("plugin") or "core")
        console.print(t)
    console.print("files: --state/--measurements/--assemblage/--behaviour also take .npy/.json files "
                  "(formats: README 'Inputs'); --behaviour takes chsh:c1,...,c8.", style="dim", highlight=False)


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
    for col in ("plugin", "version", "solvers", "targets", "problems", "status"):
        t.add_column(col, overflow="fold")
    for p in infos:
        status = "[green]loaded[/]" if p["loaded"] else "[red]" + "; ".join(p["errors"]) + "[/]"
        t.add_row(p["name"], p["version"] or "-", ", ".join(p["certifiers"]) or "-",
                  ", ".join(p["targets"]) or "-", f"{len(p['problems'])}" if p["problems"] else "-", status)
    console.print(t)
