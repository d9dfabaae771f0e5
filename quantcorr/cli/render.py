"""Terminal rendering of results with rich (imported lazily by the commands)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from ..certifier import Result
    from ..threshold import ThresholdResult

console = Console()
err_console = Console(stderr=True)

VERDICT_STYLE = {"steerable": "bold red", "nonlocal": "bold red", "not-quantum": "bold red",
                 "post-quantum": "bold red", "unsteerable": "bold green", "local": "bold green",
                 "quantum": "bold green", "inconclusive": "yellow", "failed": "bold magenta"}


def fmt(x: Any, digits: int = 6) -> str:
    """A value as table text (markup-escaped, so brackets in messages survive)."""
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return escape(str(x))


def show_result(res: "Result") -> None:
    t = Table(title=f"{res.solver}: {res.question}", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()
    style = VERDICT_STYLE.get(res.verdict.value, "")
    t.add_row("target", escape(res.target))
    t.add_row("verdict", f"[{style}]{res.verdict.value}[/]")
    t.add_row("rigor", res.rigor.value if res.rigor else "-")
    t.add_row("value", fmt(res.value))
    for k, v in res.quantities.items():
        t.add_row(k, fmt(v))
    if res.certificate is not None:
        t.add_row("certificate", escape(f"{res.certificate.kind}: {res.certificate.description}"
                                        + (f" ({res.certificate.path})" if res.certificate.path else "")))
    if res.message:
        t.add_row("message", escape(res.message))
    t.add_row("wall time", f"{res.wall_time_s:.3f} s")
    console.print(t)


def show_threshold(res: "ThresholdResult", reference: float | None = None) -> None:
    if res.table:
        cols = [c for c in res.table[0] if c != "v"]
        pts = Table(title="evaluated points", title_justify="left")
        pts.add_column("v", justify="right")
        for c in cols:
            pts.add_column(c, justify="right")
        for row in res.table:
            pts.add_row(fmt(row["v"]), *[fmt(row.get(c)) for c in cols])
        console.print(pts)
    t = Table(title=escape(f"{res.solver}: critical visibility of {res.family} | {res.measurements}"),
              show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()
    t.add_row("estimate", fmt(res.estimate, 8))
    t.add_row("lower", fmt(res.lower, 8) + (f"  ({res.lower_rigor})" if res.lower_rigor else ""))
    t.add_row("upper", fmt(res.upper, 8) + (f"  ({res.upper_rigor})" if res.upper_rigor else ""))
    if res.lower is not None and res.upper is not None:
        t.add_row("width", fmt(res.upper - res.lower, 4))
    if reference is not None and res.estimate is not None:
        t.add_row("reference", f"{reference:.8g} (error {res.estimate - reference:+.2e})")
    for k, v in res.quantities.items():
        t.add_row(k, fmt(v))
    t.add_row("method", escape(res.method))
    if res.message:
        t.add_row("message", escape(res.message))
    t.add_row("wall time", f"{res.wall_time_s:.2f} s")
    console.print(t)
