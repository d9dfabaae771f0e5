"""Tables and plot of benchmarks/communication.md (solver comm-cost, suite `communication`).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/communication.py [--plot] [--points 21]

Prints markdown: (1) bits_lower / bits_upper / nu per problem and grid v, (2) the largest
visibility simulable with T = 0, 1, 2 bits, (3) SDP sizes and wall times for m = 2..6, 8, 10 qubit
settings (first m icosahedron axes; 8 and 10 dodecahedron axes; Werner v = 1) and the isotropic d=3 MUB problems. Writes
benchmarks/results/communication.json and, with --plot, communication.png (bits versus v).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from quantcorr.certifier import SteeringTarget
from quantcorr.jsonio import to_jsonable
from quantcorr.measurements import MeasurementSet
from quantcorr.plugins import get_registry
from quantcorr.errors import ProblemTooLargeError
from quantcorr.polyhedra import dodecahedron, icosahedron
from quantcorr.states import werner
from quantcorr_bounds import robustness, tbit
from quantcorr_bounds.certifier import CommCost, CommCostOptions

RESULTS = Path(__file__).parent / "results"


def fmt(x, digits: int = 4) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return "inf" if math.isinf(x) else f"{x:.{digits}g}"
    return str(x)


def problems():
    return [p for p in get_registry().problems.values() if "communication" in p.suites]


def grid_table(cc: CommCost) -> tuple[list[str], list[dict]]:
    lines = ["| problem | v | verdict | nu (cert.) | bits_lower | bits_upper | bits_exact | time (s) |",
             "|---|---|---|---|---|---|---|---|"]
    rows = []
    for p in problems():
        fam, ms = p.threshold_args()
        for v in p.grid:
            res = cc.certify(SteeringTarget(fam.at(v), ms))
            q = res.quantities
            rows.append({"problem": p.name, "v": v, "verdict": res.verdict.value, **q, "wall_time_s": res.wall_time_s})
            lines.append(f"| {p.name} | {v:g} | {res.verdict.value} | {fmt(q['lhs_robustness'])} | "
                         f"{fmt(q['bits_lower'])} | {fmt(q['bits_upper'])} ({q['bits_upper_rigor'] or '-'}) | "
                         f"{fmt(q['bits_exact'])} | {res.wall_time_s:.3f} |")
    return lines, rows


def threshold_table(cc: CommCost) -> tuple[list[str], list[dict]]:
    lines = ["| problem | T bits | largest v with a T-bit model (lower, solver-tol.) | certified upper end | "
             "model states | time (s) |", "|---|---|---|---|---|---|"]
    rows = []
    for p in problems():
        fam, ms = p.threshold_args()
        for bits in (0, 1, 2):
            thr = cc.critical_visibility(fam, ms, CommCostOptions(bits=bits))
            rows.append({"problem": p.name, "bits": bits, "lower": thr.lower, "upper": thr.upper,
                         "model_states": thr.quantities.get("model_states"), "wall_time_s": thr.wall_time_s,
                         "message": thr.message})
            lines.append(f"| {p.name} | {bits} | {fmt(thr.lower, 8)} | {fmt(thr.upper, 8)} | "
                         f"{fmt(thr.quantities.get('model_states'))} | {thr.wall_time_s:.3f} |")
    return lines, rows


def size_table() -> tuple[list[str], list[dict]]:
    """Robustness SDP and t-bit model sizes/times, Werner v = 1 with the first m icosahedron axes
    (m = 2..6) or dodecahedron axes (m = 8, 10)."""
    lines = ["| settings m | strategies | robustness SDP variables | time (s) | nu | T | model states | "
             "model variables | time (s) | largest v with T bits |", "|---|---|---|---|---|---|---|---|---|---|"]
    rows = []
    for m in (2, 3, 4, 5, 6, 8, 10):
        axes = icosahedron() if m <= 6 else dodecahedron()
        ms = MeasurementSet.from_bloch(axes[:m], f"axes[:{m}]")
        s1 = SteeringTarget(werner(1.0), ms).assemblage().sigma
        s0 = SteeringTarget(werner(0.0), ms).assemblage().sigma
        t0 = time.perf_counter()
        rob = robustness.lhs_robustness(s1, 1)
        t_rob = time.perf_counter() - t0
        for bits in range(0, math.ceil(math.log2(m))):
            row = {"m": m, "strategies": rob.n_strategies, "sdp_variables": rob.n_variables, "sdp_time_s": t_rob,
                   "nu": rob.nu_lower, "bits": bits}
            head = f"| {m} | {rob.n_strategies} | {rob.n_variables} | {t_rob:.3f} | {fmt(rob.nu_lower)} | {bits} |"
            t0 = time.perf_counter()
            try:
                model = tbit.max_visibility(s1, s0, bits)
            except ProblemTooLargeError as exc:
                rows.append({**row, "error": str(exc)})
                lines.append(f"{head} {tbit.n_blocks(m, 2, min(2**bits, m))} | - | - | too large (limit "
                             f"{tbit.MAX_BLOCKS} states) |")
                continue
            t_mod = time.perf_counter() - t0
            rows.append({**row, "model_states": model.n_states, "model_variables": model.n_states * 4 + 1,
                         "model_time_s": t_mod, "v_max": model.v, "model_ok": model.ok})
            lines.append(f"{head} {model.n_states} | {model.n_states * 4 + 1} | {t_mod:.3f} | {fmt(model.v, 6)}"
                         f"{'' if model.ok else ' (model rejected)'} |")
    return lines, rows


def plot(rows: list[dict], thresholds: list[dict], path: Path) -> None:
    """bits_lower (certified) at the grid points, and bits_upper as the step function given by
    the largest visibility simulable with T bits (T = 0, 1, 2)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["problem"] for r in rows))
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharey=True)
    for ax, name in zip(axes.ravel(), names):
        rs = [r for r in rows if r["problem"] == name]
        v = np.array([r["v"] for r in rs])
        ax.plot(v, [r["bits_lower"] for r in rs], "o-", label="bits_lower = log2(1+nu) (certified)")
        ax.plot(v, [r["bits_upper"] for r in rs], "s", mfc="none", label="bits_upper at the grid points")
        ends = sorted((t["bits"], t["lower"]) for t in thresholds if t["problem"] == name and t["lower"] is not None)
        xs, ys, lo = [], [], v.min()
        for bits, v_max in ends:
            if v_max > lo:
                xs += [lo, v_max]
                ys += [bits, bits]
                lo = v_max
            if v_max >= 1.0:
                break
        ax.plot(xs, ys, "--", color="C1", label="fewest bits with a model (T-bit thresholds)")
        ax.set_title(name)
        ax.set_xlabel("visibility v")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("bits")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plot", action="store_true", help="write benchmarks/results/communication.png")
    args = ap.parse_args()
    cc = CommCost()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    start = time.perf_counter()
    g_lines, g_rows = grid_table(cc)
    t_lines, t_rows = threshold_table(cc)
    s_lines, s_rows = size_table()
    total = time.perf_counter() - start
    print(f"<!-- {stamp}, {platform.node()}, total {total:.1f} s -->\n")
    print("\n".join(g_lines), "\n")
    print("\n".join(t_lines), "\n")
    print("\n".join(s_lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "communication.json").write_text(json.dumps(to_jsonable(
        {"date": stamp, "total_s": total, "grid": g_rows, "thresholds": t_rows, "sizes": s_rows}), indent=1))
    if args.plot:
        plot(g_rows, t_rows, RESULTS / "communication.png")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
