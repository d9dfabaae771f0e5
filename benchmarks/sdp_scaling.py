"""Scaling of sdp-lhs's one-SDP critical visibility with the number of settings m (qubit Bob).

    .venv/bin/python benchmarks/sdp_scaling.py [--before 10,11,12,13,14] [--after 10,...,18] [--cli 16]

Werner state, m two-outcome qubit measurements along a Fibonacci spiral on the upper hemisphere
(2^m deterministic strategies). Both program forms run in the same process, one after the other:

- "before": every hidden state a 4 x 4 real PSD block (the real embedding of a 2 x 2 Hermitian
  matrix) and the independent rows found by pivoted QR: the form of the previous release;
- "after": second-order cones Q^4 for the qubit blocks and the closed-form independent rows.

Times are process CPU seconds (what the machine's other jobs cannot inflate much) and wall
seconds, for the whole `critical_visibility` call (strategies, program, solve, exact re-checks).
`--cli M` also times the command line `quantcorr threshold --solver sdp-lhs --state werner
--measurements 'bloch:...'` with M settings in a subprocess. Writes
benchmarks/results/sdp_scaling.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from quantcorr.jsonio import write_json
from quantcorr.measurements import MeasurementSet
from quantcorr.states import werner
from quantcorr.threshold import VisibilityFamily

OUT = Path(__file__).parent / "results" / "sdp_scaling.json"


def directions(m: int) -> np.ndarray:
    """m unit vectors on the upper hemisphere (Fibonacci spiral), no two antipodal."""
    k = np.arange(m) + 0.5
    z = 1 - k / m
    phi = np.pi * (3 - np.sqrt(5)) * k
    r = np.sqrt(1 - z * z)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


def bloch_spec(m: int) -> str:
    return "bloch:" + ";".join(",".join(f"{c:.12f}" for c in u) for u in directions(m))


def run(m: int, form: str) -> dict:
    import quantcorr_sdp.lhs as lhs
    from quantcorr_sdp import sdp_core as core
    from quantcorr_sdp.lhs_program import program

    saved = (lhs.program, core.closed_form_rows)
    if form == "before":
        lhs.program = functools.partial(program, soc=False)
        core.closed_form_rows = lambda n, ms, os_: core.independent_rows(core.strategy_matrix(n, ms, os_)[0])
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        res = lhs.SdpLhs().critical_visibility(VisibilityFamily(werner()), MeasurementSet.from_bloch(directions(m)),
                                               lhs.SdpLhs.Options(max_strategies=1 << 22))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        lhs.program, core.closed_form_rows = saved
    row = {"m": m, "form": form, "n_strategies": 2 ** m, "lower": res.lower, "upper": res.upper,
           "estimate": res.estimate, "solver": res.quantities.get("sdp_solver"), "cpu_s": cpu, "wall_s": wall,
           "message": res.message}
    print(f"m={m:2d} {form:6s} lower={res.lower} upper={res.upper} cpu={cpu:.1f}s wall={wall:.1f}s "
          f"({row['solver']})", flush=True)
    return row


def run_cli(m: int, spec: str) -> dict:
    """Time `quantcorr threshold` in a subprocess (children's CPU seconds)."""
    exe = Path(sys.executable).with_name("quantcorr")
    cmd = [str(exe), "threshold", "--solver", "sdp-lhs", "--state", "werner", "--measurements", spec]
    start = time.perf_counter()
    before = os.times()
    out = subprocess.run(cmd, capture_output=True, text=True)
    after = os.times()
    wall = time.perf_counter() - start
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    line = next((l for l in out.stdout.splitlines() if "estimate" in l), out.stderr.strip()[-200:])
    shown = spec if len(spec) < 60 else spec[:40] + "..."
    print(f"cli m={m} --measurements {shown}: exit {out.returncode}, cpu={cpu:.1f}s wall={wall:.1f}s; "
          f"{line.strip()}", flush=True)
    return {"m": m, "form": "cli", "exit": out.returncode, "cpu_s": cpu, "wall_s": wall, "output": line.strip(),
            "command": f"quantcorr threshold --solver sdp-lhs --state werner --measurements '{shown}'"}


def cli_rows(m: int) -> list[dict]:
    """The command with --measurements 'bloch:...'; if that fails, again with a .json file of the
    same directions ({"bloch": [...]})."""
    rows = [run_cli(m, bloch_spec(m))]
    if rows[0]["exit"] != 0:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"directions_{m}.json"
            path.write_text(json.dumps({"bloch": directions(m).tolist()}))
            rows.append(run_cli(m, str(path)))
    return rows


def markdown(rows: list[dict]) -> str:
    by = {(r["m"], r["form"]): r for r in rows if r["form"] != "cli"}
    ms = sorted({m for m, _ in by})
    out = ["| m | strategies | before: CPU s (wall) | after: CPU s (wall) | CPU ratio | threshold (after) | "
           "max |before - after| |", "|---|---|---|---|---|---|---|"]
    for m in ms:
        b, a = by.get((m, "before")), by.get((m, "after"))
        cell = lambda r: "-" if r is None else f"{r['cpu_s']:.2f} ({r['wall_s']:.1f})"  # noqa: E731
        ratio = f"{b['cpu_s'] / a['cpu_s']:.1f}x" if a and b else "-"
        diff = (f"{max(abs(a[k] - b[k]) for k in ('lower', 'upper') if a[k] is not None and b[k] is not None):.1e}"
                if a and b else "-")
        thr = "-" if a is None or a["upper"] is None else f"{a['upper']:.9f}"
        out.append(f"| {m} | {2 ** m} | {cell(b)} | {cell(a)} | {ratio} | {thr} | {diff} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="10,11,12,13,14")
    ap.add_argument("--after", default="10,11,12,13,14,15,16,17,18")
    ap.add_argument("--cli", default="16", help="settings for the command-line timing ('' to skip)")
    args = ap.parse_args()
    ints = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    rows = []
    for m in sorted(set(ints(args.before)) | set(ints(args.after))):
        if m in ints(args.before):
            rows.append(run(m, "before"))
        if m in ints(args.after):
            rows.append(run(m, "after"))
    for m in ints(args.cli):
        rows += cli_rows(m)
    write_json(OUT, {"benchmark": "sdp-lhs scaling with m (Werner, qubit Bob)", "machine": platform.platform(),
                     "python": platform.python_version(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                     "threads": os.environ.get("OMP_NUM_THREADS"), "rows": rows})
    print(markdown(rows))


if __name__ == "__main__":
    main()
