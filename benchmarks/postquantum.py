"""Post-quantum steering benchmark: per problem of the `postquantum` suite, the almost-quantum
critical visibility (one SDP, certified upper end) and the zero-negativity visibility (one SDP),
plus both solvers' verdicts at v = 1; and the gain from re-solving one compiled cvxpy problem.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/postquantum.py

writes benchmarks/results/postquantum.json and benchmarks/postquantum.md.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def fmt(x, digits: int = 7) -> str:
    return "-" if x is None else (f"{x:.{digits}f}" if isinstance(x, float) else str(x))


def run_problems() -> list[dict]:
    from quantcorr.bench.suites import suite_problems
    from quantcorr.plugins import get_registry

    reg = get_registry()
    rows = []
    for problem in suite_problems("postquantum", reg):
        family, measurements = problem.threshold_args()
        row = {"problem": problem.name, "reference": problem.reference}
        for name in ("almost-quantum", "steering-negativity"):
            solver = reg.certifier(name)
            thr = solver.critical_visibility(family, measurements)
            res = solver.certify(problem.target_at(1.0))
            row[name] = {"estimate": thr.estimate, "lower": thr.lower, "upper": thr.upper,
                         "lower_rigor": thr.lower_rigor, "upper_rigor": thr.upper_rigor,
                         "threshold_s": thr.wall_time_s, "message": thr.message,
                         "verdict_v1": res.verdict.value, "rigor_v1": res.rigor and res.rigor.value,
                         "value_v1": res.value, "certify_s": res.wall_time_s}
            print(problem.name, name, fmt(thr.estimate), fmt(thr.lower), fmt(thr.upper), res.verdict.value,
                  f"{thr.wall_time_s:.2f}s", flush=True)
        rows.append(row)
    return rows


def reuse_ratio(points: int = 6) -> dict:
    """Membership SDP for pr-steering at several v: one compiled problem re-solved with new
    Parameter values versus compiling afresh for every point (same process, side by side)."""
    from quantcorr_postquantum import aq_sdp
    from quantcorr_postquantum.almost_quantum import AlmostQuantum
    from quantcorr_postquantum.targets import pr_steering

    solver = AlmostQuantum()
    vs = [0.6 + 0.05 * k for k in range(points)]
    out = {}
    for mode in ("fresh", "reused"):
        aq_sdp.compiled.cache_clear()
        start = time.perf_counter()
        for v in vs:
            if mode == "fresh":
                aq_sdp.compiled.cache_clear()
            solver.certify(pr_steering(v))
        out[mode] = time.perf_counter() - start
    out["points"] = points
    out["ratio"] = out["fresh"] / out["reused"]
    return out


def quick_suite() -> dict:
    """Wall time of `quantcorr bench postquantum --quick --workers 1` (what CI can afford)."""
    import subprocess
    import tempfile

    exe = Path(sys.executable).with_name("quantcorr")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(exe), "bench", "postquantum", "--quick", "--workers", "1", "--fresh",
               "--cache", str(Path(tmp) / "cache.json"), "--out", str(Path(tmp) / "out.json")]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        rows = json.loads((Path(tmp) / "out.json").read_text())["rows"] if proc.returncode == 0 else []
    return {"command": "quantcorr bench postquantum --quick --workers 1", "wall_s": wall,
            "returncode": proc.returncode, "failed_cells": sum(r["n_failed"] for r in rows), "rows": len(rows)}


def markdown(doc: dict) -> str:
    lines = [
        "# Post-quantum steering benchmark",
        "",
        f"Command: `{doc['command']}`  ",
        f"Date: {doc['date']}; machine: {doc['machine']} (shared and loaded: times are indicative).",
        "",
        "Per problem of the `postquantum` suite (`quantcorr bench postquantum` runs the same problems on a grid):",
        "the almost-quantum critical visibility (one SDP, then up to 6 membership SDPs bisecting a bracket wider",
        "than 1e-6; lower end = a moment matrix re-checked PSD in numpy, upper end certified by the re-checked",
        "dual functional) and the largest visibility with zero steering",
        "negativity for the fixed measurements (one SDP; the known local measurements for the state problems",
        "and for upb-shifts / breuer-hall, which remember theirs; canonical classical registers for",
        "pr-steering; only a lower end, since a positive negativity bound proves nothing).",
        "Verdicts at v = 1: P post-quantum, Q quantum, ? inconclusive.",
        "",
        "| problem | reference | almost-quantum v* | bracket [lower, upper] | AQ s | AQ at v=1 | zero-negativity v | "
        "neg s | negativity at v=1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in doc["problems"]:
        a, n = r["almost-quantum"], r["steering-negativity"]
        lines.append(
            f"| {r['problem']} | {fmt(r['reference'], 6)} | {fmt(a['estimate'])} | [{fmt(a['lower'])}, "
            f"{fmt(a['upper'])}] | {a['threshold_s']:.2f} | {a['verdict_v1']} ({a['rigor_v1'] or '-'}) | "
            f"{fmt(n['estimate'])} | {n['threshold_s']:.2f} | {n['verdict_v1']}"
            f"{' ' + fmt(n['value_v1'], 4) if n['verdict_v1'] == 'inconclusive' else ''} |")
    ru = doc["reuse"]
    lines += [
        "",
        "A dash for the almost-quantum v* means the family stays almost-quantum up to v = 1 (the controls).",
        "The negativity column at v = 1 shows the upper bound on the steering negativity when it is positive.",
        "",
        "## The quantum threshold of each family",
        "",
        "Below the zero-negativity visibility the mixture has a re-checked PSD realisation (quantum, solver",
        "tolerance); above the almost-quantum upper end it is post-quantum (certified). So the largest quantum",
        "visibility lies in:",
        "",
        "| problem | quantum threshold in | width |",
        "|---|---|---|",
    ]
    for r in doc["problems"]:
        lo, hi = r["steering-negativity"]["lower"], r["almost-quantum"]["upper"]
        width = "-" if lo is None or hi is None else f"{hi - lo:.1e}"
        lines.append(f"| {r['problem']} | [{fmt(lo)}, {fmt(hi) if hi is not None else '1 (no post-quantum point)'}] "
                     f"| {width} |")
    lines += [
        "",
        "For upb-shifts the two ends meet: the mixture has a PSD three-qubit realisation with its own",
        "measurements up to the point where it turns post-quantum. `quantcorr threshold --solver sdp-lhs",
        "--assemblage upb-shifts` (the sdp-lhs plugin, an independent code path) gave 0.8371173147 to",
        "0.8371173195 on the same day: the family goes from unsteerable straight to post-quantum. The canonical",
        "registers are weak for the PR box (0.25, below the local bound 1/2; quantum boxes reach 1/sqrt(2)).",
        "",
        "## Re-solving one compiled problem",
        "",
        f"Membership SDP of pr-steering at {ru['points']} visibilities, same run: compiling a fresh cvxpy",
        f"problem per point {ru['fresh']:.2f} s, re-solving one compiled problem with new Parameter values",
        f"{ru['reused']:.2f} s (ratio {ru['ratio']:.1f}x).",
        "",
        "## Quick suite",
        "",
        f"`{doc['quick']['command']}` (quick options, coarse grid of 3 visibilities): exit status "
        f"{doc['quick']['returncode']}, {doc['quick']['rows']} problem x solver rows, {doc['quick']['failed_cells']} "
        f"failed cells, {doc['quick']['wall_s']:.1f} s wall time in the same run.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    doc = {"command": "OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/postquantum.py",
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
           "problems": run_problems(), "reuse": reuse_ratio(), "quick": quick_suite()}
    doc["total_s"] = time.perf_counter() - start
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "postquantum.json").write_text(json.dumps(doc, indent=1, default=str))
    (HERE / "postquantum.md").write_text(markdown(doc) + f"Total wall time {doc['total_s']:.1f} s.\n")
    print(markdown(doc))


if __name__ == "__main__":
    main()
