"""Certified brackets of the Werner threshold for all PVMs / all POVMs (solver polytope-lhs).

    .venv/bin/python benchmarks/certified_brackets.py [--kinds pvm,povm] [--max-rows N] [--fine]

Writes benchmarks/results/certified.json (one row per polytope, certificates left out) and prints
the markdown table of benchmarks/certified.md. Rows run one after the other, one process.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from quantcorr.jsonio import write_json
from quantcorr.measurements import MeasurementSpace
from quantcorr.states import werner
from quantcorr.threshold import VisibilityFamily
from quantcorr_sdp.polytope import PolytopeLhs, PolytopeLhsOptions

# (polytope, hidden, upper polytope, outer, method): growing polytopes; the last is the default
CONFIGS = [
    ("octahedron", "geodesic-42", "octahedron", "geodesic-162", "sdp"),
    ("icosahedron", "geodesic-42", "icosahedron", "geodesic-162", "sdp"),
    ("icosidodecahedron", "geodesic-42", "icosidodecahedron", "geodesic-162", "lp"),
    ("geodesic-42", "geodesic-42", "geodesic-42", "geodesic-162", "lp"),
    ("geodesic-162", "geodesic-162", "geodesic-42", "geodesic-642", "lp"),
    ("geodesic-642", "geodesic-162", "geodesic-162", "geodesic-642", "lp"),
]
FINE = ("geodesic-642", "geodesic-642", "geodesic-162", "geodesic-2562", "lp")  # --fine, PVMs only: ~10 min
OUT = Path(__file__).parent / "results" / "certified.json"


def run(kinds: list[str], max_rows: int, fine: bool) -> list[dict]:
    family = VisibilityFamily(werner(1.0))
    rows = []
    jobs = [(kind, cfg) for kind in kinds for cfg in CONFIGS[:max_rows]] + ([("pvm", FINE)] if fine else [])
    for kind, (poly, hidden, upper, outer, method) in jobs:
        opts = PolytopeLhsOptions(polytope=poly, hidden=hidden, upper_polytope=upper, outer=outer, method=method)
        start = time.perf_counter()
        res = PolytopeLhs().critical_visibility(family, MeasurementSpace(kind, 2), opts)
        wall = time.perf_counter() - start
        q = res.quantities
        rows.append({"measurements": kind, "polytope": poly, "m": q["n_directions"], "r": q["shrinking_factor"],
                     "method": method, "hidden": hidden if method == "lp" else f"2^{q['n_directions']}",
                     "upper_polytope": upper, "m_upper": q["n_directions_upper"], "outer": outer,
                     "lower": res.lower, "upper": res.upper, "width": res.upper - res.lower,
                     "lower_rigor": res.lower_rigor, "upper_rigor": res.upper_rigor,
                     "half_mixing_value": q.get("half_mixing_value"), "lower_time_s": q["lower_time_s"],
                     "upper_time_s": q["upper_time_s"], "wall_time_s": wall, "message": res.message,
                     "command": (f"quantcorr threshold --solver polytope-lhs --state werner --measurements {kind} "
                                 f"--polytope {poly} --hidden {hidden} --upper-polytope {upper} --outer {outer}"
                                 f" --method {method}")})
        r = rows[-1]
        print(f"{kind:4s} {poly:18s} m={r['m']:4d} lower={r['lower']:.6f} upper={r['upper']:.6f} "
              f"width={r['width']:.6f} wall={wall:.1f}s", flush=True)
    return rows


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.6f}"


def markdown(rows: list[dict]) -> str:
    head = ("| meas. | polytope (m, r) | lower program | lower | half-mixing | upper (m', outer) | upper | width "
            "| wall s |\n|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['measurements']} | {r['polytope']} ({r['m']}, {r['r']:.4f}) | "
        f"{'SDP ' + r['hidden'] if r['method'] == 'sdp' else 'LP, hidden ' + r['hidden']} | {r['lower']:.6f} | "
        f"{_f(r['half_mixing_value'])} | {r['upper_polytope']} ({r['m_upper']}, {r['outer']}) | "
        f"{r['upper']:.6f} | {r['width']:.6f} | "
        f"{r['wall_time_s']:.1f} |\n" for r in rows)
    return head + body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", default="pvm,povm")
    ap.add_argument("--max-rows", type=int, default=len(CONFIGS))
    ap.add_argument("--fine", action="store_true", help="add the finest PVM row (321 directions x 642 hidden states)")
    args = ap.parse_args()
    rows = run(args.kinds.split(","), args.max_rows, args.fine)
    write_json(OUT, {"benchmark": "certified brackets, Werner state", "machine": platform.platform(),
                     "python": platform.python_version(), "rows": rows})
    print(markdown(rows))


if __name__ == "__main__":
    main()
