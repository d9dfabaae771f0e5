"""Bench reports: one JSON document per run, rendered as a rich table, markdown, CSV or a PNG.

The document holds one row per (problem, solver) (threshold estimate or bracket, error against
the reference, verdicts over the grid, times) and every cell and threshold record; the
renderers only read the document, so a saved JSON can be rendered again.
"""

from __future__ import annotations

import csv
import io
import os
import platform
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .cache import SCHEMA
from .suites import Entry, task_key

if TYPE_CHECKING:
    from rich.console import Console

LETTERS = {"unsteerable": "U", "local": "L", "quantum": "Q", "steerable": "S", "nonlocal": "N",
           "not-quantum": "X", "post-quantum": "P", "inconclusive": "?", "failed": "F"}
LEGEND = ("verdicts over the grid, low v to high v: U unsteerable, S steerable, ? inconclusive, F failed, "
          ". not run (other questions: L local, N nonlocal, Q quantum, X not quantum, P post-quantum)")
HEADERS = ("problem", "reference", "solver", "estimate", "bracket [lower, upper]", "error", "verdicts vs v",
           "rigor", "time (s)", "status")
RIGOR_ABBREV = {"certified": "c", "solver-tolerance": "t", "numerical": "n", "prediction": "p"}
REF_TOL = 1e-6  # slack of "reference inside the bracket" (solver tolerance of exact brackets)
CSV_FIELDS = ("problem", "solver", "reference", "reference_kind", "estimate", "lower", "upper", "lower_rigor",
              "upper_rigor", "error", "contains_reference", "verdicts", "rigor", "threshold_time_s",
              "cells_time_s", "status", "message")


def _row(suite: str, e: Entry, records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Summary of one (problem, solver): threshold, error against the reference, cells."""
    p = e.problem
    cells = [records.get(task_key(suite, e, v)) for v in e.grid]
    thr = records.get(task_key(suite, e)) or {}
    done = [c for c in cells if c is not None]
    failures = [r for r in (thr, *done) if r.get("status") == "failed"]
    if e.status != "ok":
        status, message = e.status, e.reason
    elif not thr or len(done) < len(cells):
        status, message = "incomplete", "some tasks did not finish"
    else:
        all_failed = thr.get("status") == "failed" or not any(c["status"] == "ok" for c in done)
        status = "failed" if all_failed else "ok"
        message = failures[0]["message"] if failures else thr.get("message", "")
    est, lo, hi, ref = thr.get("estimate"), thr.get("lower"), thr.get("upper"), p.reference
    return {
        "problem": p.name, "solver": e.solver, "reference": ref, "reference_kind": p.reference_kind,
        "estimate": est, "lower": lo, "upper": hi, "lower_rigor": thr.get("lower_rigor"),
        "upper_rigor": thr.get("upper_rigor"), "method": thr.get("method"),
        "error": None if est is None or ref is None else est - ref,
        "contains_reference": None if lo is None or hi is None or ref is None else lo - REF_TOL <= ref <= hi + REF_TOL,
        "grid": list(e.grid), "verdicts": "".join(LETTERS.get(c["verdict"], "?") if c else "." for c in cells),
        "rigor": ", ".join(sorted({c["rigor"] for c in done if c.get("rigor")})),
        "threshold_time_s": thr.get("wall_time_s"), "cells_time_s": sum(c.get("wall_time_s", 0.0) for c in done),
        "n_failed": sum(c["status"] == "failed" for c in done), "status": status, "message": message,
        "options": e.options.to_dict(),
    }


def build_document(suite: str, entries: list[Entry], records: dict[str, dict[str, Any]], *, quick: bool,
                   command: str, wall_time_s: float) -> dict[str, Any]:
    """The JSON document of a run (also a valid cache file)."""
    from ..certifier import versions

    problems = {e.problem.name: e.problem for e in entries}
    recs = list(records.values())
    return {
        "schema": SCHEMA, "suite": suite, "quick": quick,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "command": command,
        "wall_time_s": wall_time_s, "host": {"cpus": os.cpu_count(), "platform": platform.platform(), **versions()},
        "solvers": sorted({e.solver for e in entries}),
        "problems": [p.to_json() for p in problems.values()],
        "rows": [_row(suite, e, records) for e in entries],
        "cells": [r for r in recs if r["kind"] == "cell"],
        "thresholds": [r for r in recs if r["kind"] == "threshold"],
    }


def _num(x: float | None, digits: int = 6) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _reference(row: dict[str, Any]) -> str:
    if row["reference"] is None:
        return f"- ({row['reference_kind']})" if row["reference_kind"] != "exact" else "-"
    return (">= " if row["reference_kind"] == "lower-bound" else "") + _num(row["reference"])


def _bracket(row: dict[str, Any]) -> str:
    if row["lower"] is None and row["upper"] is None:
        return "-"
    rig = "/".join(RIGOR_ABBREV.get(r, r) if r else "-" for r in (row["lower_rigor"], row["upper_rigor"]))
    return f"[{_num(row['lower'])}, {_num(row['upper'])}]" + (f" {rig}" if rig != "-/-" else "")


def _time(row: dict[str, Any]) -> str:
    thr = row["threshold_time_s"]
    return "-" if thr is None else f"{thr:.1f}+{row['cells_time_s']:.1f}"


def _footnotes(doc: dict[str, Any]) -> dict[str, int]:
    """Number of each distinct message of a row that is not "ok"."""
    notes: dict[str, int] = {}
    for row in doc["rows"]:
        if row["status"] != "ok" and row["message"]:
            notes.setdefault(row["message"], len(notes) + 1)
    return notes


def text_cells(row: dict[str, Any], notes: dict[str, int]) -> list[str]:
    """The row as the strings of `HEADERS`; a failure reason is a footnote number."""
    grid = row["grid"]
    verdicts = f"{grid[0]:g} {row['verdicts']} {grid[-1]:g}" if grid else "-"
    error = "-" if row["error"] is None else f"{row['error']:+.1e}"
    if row["contains_reference"] is not None:
        error += " (in)" if row["contains_reference"] else " (out)"
    status = row["status"] + (f" [{notes[row['message']]}]" if row["message"] in notes else "")
    return [row["problem"], _reference(row), row["solver"], _num(row["estimate"]), _bracket(row), error, verdicts,
            ",".join(RIGOR_ABBREV.get(r, r) for r in row["rigor"].split(", ") if r) or "-", _time(row), status]


def _notes(doc: dict[str, Any], notes: dict[str, int]) -> list[str]:
    return [f"[{n}] {msg}" for msg, n in notes.items()] + [
        LEGEND + ".", "rigor (cells; bracket lower/upper): c certified, t solver tolerance, n numerical, p prediction; "
        "error: estimate - reference, (in)/(out): reference inside/outside the bracket (+-1e-6); "
        "time: threshold estimate + sum of cell times (s).",
        f"suite {doc['suite']}{' (quick)' if doc['quick'] else ''}, {doc['date']}, "
        f"{doc['host']['cpus']} CPUs, total wall time {doc['wall_time_s']:.1f} s."]


def _compact_cells(row: dict[str, Any], notes: dict[str, int]) -> list[str]:
    """The row for narrow terminals: 4 decimals, rigor letters beside the bracket."""
    short = lambda x: "-" if x is None else f"{x:.4f}"  # noqa: E731
    rig = "/".join(RIGOR_ABBREV.get(r, r) if r else "-" for r in (row["lower_rigor"], row["upper_rigor"]))
    bracket = "-" if row["lower"] is None and row["upper"] is None else \
        f"[{short(row['lower'])}, {short(row['upper'])}]" + (f" {rig}" if rig != "-/-" else "")
    error = "-" if row["error"] is None else f"{row['error']:+.0e}"
    if row["contains_reference"] is not None:
        error += " in" if row["contains_reference"] else " out"
    status = row["status"] + (f" [{notes[row['message']]}]" if row["message"] in notes else "")
    return [row["solver"], short(row["estimate"]), bracket, error, row["verdicts"], status]


def render_table(doc: dict[str, Any], console: "Console") -> None:
    """Print the rows as a rich table (one section per problem) with the legend; terminals
    narrower than 120 columns get a compact table (problem as a section title, 4 decimals)."""
    from rich import box
    from rich.table import Table

    notes = _footnotes(doc)
    if not doc["rows"]:
        console.print("no registered solver supports the problems of this suite (see `quantcorr solvers`)")
    elif console.width < 120:
        console.print(f"quantcorr bench {doc['suite']}", style="italic", highlight=False)
        problems: dict[str, list[dict[str, Any]]] = {}
        for row in doc["rows"]:
            problems.setdefault(row["problem"], []).append(row)
        for name, rows in problems.items():
            grid = rows[0]["grid"]
            span = f"; verdicts at v = {grid[0]:g} .. {grid[-1]:g}" if grid else ""
            console.print(f"[bold]{name}[/] (reference {_reference(rows[0])}{span})", highlight=False)
            t = Table(box=box.SIMPLE_HEAD, padding=(0, 1), show_edge=False)
            for h in ("solver", "estimate", "bracket", "error", "verdicts", "status"):
                t.add_column(h, overflow="fold")
            for row in rows:
                style = {"failed": "magenta", "unavailable": "dim", "incomplete": "yellow"}.get(row["status"], "")
                t.add_row(*_compact_cells(row, notes), style=style)
            console.print(t)
    else:
        t = Table(title=f"quantcorr bench {doc['suite']}", title_justify="left")
        for h in HEADERS[:1] + HEADERS[2:]:
            t.add_column(h, overflow="fold", no_wrap=h in ("problem", "solver"))
        last = None
        for row in doc["rows"]:
            cells = text_cells(row, notes)
            first = row["problem"] != last
            if first and last is not None:
                t.add_section()
            last = row["problem"]
            problem = f"{cells[0]}\nref {cells[1]}" if first else ""
            style = {"failed": "magenta", "unavailable": "dim", "incomplete": "yellow"}.get(row["status"], "")
            t.add_row(problem, *cells[2:], style=style)
        console.print(t)
    for note in _notes(doc, notes):
        console.print(note, style="dim", highlight=False)


def to_markdown(doc: dict[str, Any]) -> str:
    """The rows as a markdown table, followed by the legend."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    notes = _footnotes(doc)
    out = [line(list(HEADERS)), line(["---"] * len(HEADERS))]
    out += [line(text_cells(row, notes)) for row in doc["rows"]]
    return "\n".join(out + [""] + [n + "  " for n in _notes(doc, notes)]) + "\n"


def to_csv(doc: dict[str, Any]) -> str:
    """One CSV line per (problem, solver) with raw numbers."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(doc["rows"])
    return buf.getvalue()


def plot(doc: dict[str, Any], path: str) -> None:
    """PNG with one line of panels per problem: each solver's verdicts versus v (left) and its
    numeric cell values versus v (right), the reference dashed and each estimate dotted."""
    from ..plotting import pyplot

    plt = pyplot()
    problems = list(dict.fromkeys(r["problem"] for r in doc["rows"]))
    refs = {p["name"]: p["reference"] for p in doc["problems"]}
    fig, axes = plt.subplots(max(len(problems), 1), 2, figsize=(11, 2.6 * max(len(problems), 1)), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    marks = {"S": ("x", "tab:red"), "F": ("s", "tab:purple"), "?": ("d", "tab:orange")}
    for (ax_v, ax_val), prob in zip(axes, problems):
        rows = [r for r in doc["rows"] if r["problem"] == prob]
        cells = {(c["solver"], c["v"]): c for c in doc["cells"] if c["problem"] == prob}
        for i, row in enumerate(rows):
            color = colors[doc["solvers"].index(row["solver"]) % len(colors)]
            for v, letter in zip(row["grid"], row["verdicts"]):
                if letter != ".":
                    m, c = marks.get(letter, ("o", "tab:green"))
                    ax_v.scatter(v, i, marker=m, color=c, zorder=3)
            if row["lower"] is not None and row["upper"] is not None:
                ax_v.fill_betweenx([i - 0.3, i + 0.3], row["lower"], row["upper"], color=color, alpha=0.3)
            pts = [(v, cells[(row["solver"], v)].get("value")) for v in row["grid"] if (row["solver"], v) in cells]
            pts = [(v, y) for v, y in pts if isinstance(y, (int, float))]
            if pts:
                ax_val.plot(*zip(*pts), "o-", color=color, label=row["solver"])
            if row["estimate"] is not None:
                for ax in (ax_v, ax_val):
                    ax.axvline(row["estimate"], color=color, ls=":")
        for ax in (ax_v, ax_val):
            if refs.get(prob) is not None:
                ax.axvline(refs[prob], color="k", ls="--", lw=1)
            ax.set_xlabel("visibility v")
        ax_v.set_yticks(range(len(rows)), [r["solver"] for r in rows])
        ax_v.set_ylim(len(rows) - 0.4, -0.6)
        ax_v.set_title(f"{prob}: verdicts (o classical, x not, d inconclusive, s failed);\n"
                       "bracket shaded, estimate dotted, reference dashed", fontsize=9)
        ax_val.set_title(f"{prob}: cell value (loss / objective)", fontsize=9)
        if ax_val.get_legend_handles_labels()[0]:
            ax_val.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
