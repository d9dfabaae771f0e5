"""`quantcorr bell-max`: NPA upper bound and exact local bound of a Bell expression.

EXPRESSION is `chsh`, `i3322`, or a file holding the functional in full form: an array
c[x, y, a, b] (Alice's setting, Bob's setting, Alice's outcome, Bob's outcome) whose value on a
behaviour is sum_{xyab} c[x,y,a,b] p(a,b|x,y). Files: `.npy` (the array) or `.json` (a nested
list, or an object {"coefficients": nested list}). CHSH in this form has c = +-1 entries with
E_xy = p(a=b|xy) - p(a!=b|xy); I3322 is the Collins-Gisin expression written out (local bound 0).
"""

from __future__ import annotations

import click

from quantcorr.cli.commands import write_json_output

from .levels import LEVELS


def load_expression(spec: str):
    """The functional c[x, y, a, b] named by `spec` (chsh, i3322, .npy or .json file)."""
    from pathlib import Path

    import numpy as np

    from quantcorr.errors import DimensionError, InputFileError
    from quantcorr.fileio import read_npy_or_json

    from .functionals import chsh_functional, i3322_functional

    named = {"chsh": chsh_functional, "i3322": i3322_functional}
    if spec.lower() in named:
        return named[spec.lower()]()
    path = Path(spec)
    if not path.is_file():
        raise InputFileError(f"expression '{spec}': not chsh, i3322 or an existing .npy/.json file")
    raw = read_npy_or_json(path, "expression")
    try:
        if isinstance(raw, dict):
            raw = raw["coefficients"]
        c = np.asarray(raw, dtype=float)
    except (ValueError, TypeError, KeyError) as exc:
        raise InputFileError(f"expression file '{spec}': cannot read a real array ({exc})") from None
    if c.ndim != 4 or min(c.shape) < 1:
        raise DimensionError(f"expression file '{spec}': expected an array c[x, y, a, b] (4 axes), got shape {c.shape}")
    if min(c.shape[2:]) < 2:
        raise DimensionError(f"expression file '{spec}': every setting needs at least 2 outcomes, got {c.shape}")
    if not np.all(np.isfinite(c)):
        raise DimensionError(f"expression file '{spec}': contains NaN or infinite coefficients")
    return c


def bell_max_report(expression: str, level: str, solver: str = "clarabel") -> dict:
    """Local bound (exact enumeration) and NPA bounds of a Bell expression."""
    import time

    from .functionals import local_bound
    from .sdp import max_functional, structure

    c = load_expression(expression)
    st = structure(c.shape[:2], c.shape[2:], level)
    start = time.perf_counter()
    local = local_bound(c)
    t_local = time.perf_counter() - start
    start = time.perf_counter()
    value, upper, status = max_functional(st, c, solver)
    return {"expression": expression, "settings": list(c.shape[:2]), "outcomes": list(c.shape[2:]),
            "level": level, "local_bound": local, "npa_value": value, "npa_upper_bound": upper,
            "status": status, "moment_matrix_size": st.size, "local_time_s": t_local,
            "npa_time_s": time.perf_counter() - start}


@click.command("bell-max")
@click.option("--expression", "-e", required=True, metavar="chsh|i3322|FILE",
              help="Bell expression: chsh, i3322, or a .npy/.json array c[x,y,a,b] (value = sum c p)")
@click.option("--level", default="1+AB", show_default=True, type=click.Choice(LEVELS), help="NPA level")
@click.option("--solver", default="clarabel", show_default=True, type=click.Choice(["clarabel", "scs"]),
              help="conic solver (through cvxpy)")
@click.option("--json", "json_path", metavar="PATH", help="write the report as JSON ('-' for stdout)")
def bell_max(expression: str, level: str, solver: str, json_path: str | None) -> None:
    """NPA upper bound (quantum) and exact local bound of a Bell expression.

    The NPA value is the solver's optimum over Q_level; the upper bound is rigorous for every
    quantum behaviour (repaired dual); the local bound enumerates every deterministic strategy.
    """
    report = bell_max_report(expression, level, solver)
    if json_path:
        write_json_output(json_path, report)
        if json_path == "-":
            return
    click.echo(f"expression {expression}: settings {tuple(report['settings'])}, outcomes {tuple(report['outcomes'])}")
    click.echo(f"local bound          {report['local_bound']:.10g}  (exact, every deterministic strategy)")
    if report["npa_value"] is None:
        click.echo(f"NPA level {level}: solver status {report['status']}")
        return
    click.echo(f"NPA level {level:<5}      {report['npa_value']:.10g}  (solver optimum, status {report['status']}, "
               f"{report['npa_time_s']:.2f} s)")
    if report["npa_upper_bound"] is not None:
        click.echo(f"quantum upper bound  {report['npa_upper_bound']:.10g}  (rigorous, from the repaired dual)")
