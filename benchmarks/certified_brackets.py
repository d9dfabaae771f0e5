"""Certified brackets of the Werner threshold for all PVMs / all POVMs (solver polytope-lhs).

    .venv/bin/python benchmarks/certified_brackets.py [--kinds pvm,povm] [--max-rows N | --rows I,J]
                                                      [--fine 0,1,2] [--compare] [--symmetry auto|off|both]
                                                      [--out F]

Writes benchmarks/results/certified.json (one row per polytope, certificates left out) and prints
the markdown table of benchmarks/certified.md. Rows run one after the other, one process.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import time
from pathlib import Path

from quantcorr.jsonio import write_json
from quantcorr.measurements import MeasurementSpace
from quantcorr.states import werner
from quantcorr.threshold import VisibilityFamily
from quantcorr_sdp import polytope, polytope_lp
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
# --fine, PVMs only: the previous finest row; the default sets when the LPs have the icosahedral
# symmetry (polytope_symmetry); a finer one
FINE = [("geodesic-642", "geodesic-642", "geodesic-162", "geodesic-2562", "lp"),
        ("geodesic:16", "geodesic:16", "geodesic-642", "geodesic-642", "lp"),
        ("geodesic:20", "geodesic:20", "geodesic-642", "geodesic-2562", "lp")]
OUT = Path(__file__).parent / "results" / "certified.json"


@contextlib.contextmanager
def previous_release():
    """The LP route of the previous release: scipy's HiGHS (interior point with crossover) and no
    skipped LPs. Used by --compare to time before/after in one process."""
    saved = polytope_lp._solve_highspy, polytope.SKIP_EQUIVALENT_LPS
    polytope_lp._solve_highspy = lambda *args, **kwargs: None
    polytope.SKIP_EQUIVALENT_LPS = False
    try:
        yield
    finally:
        polytope_lp._solve_highspy, polytope.SKIP_EQUIVALENT_LPS = saved


def run(kinds: list[str], configs: list[tuple], fine: list[tuple], compare: bool = False,
        symmetry: tuple[str, ...] = ("auto",)) -> list[dict]:
    family = VisibilityFamily(werner(1.0))
    rows = []
    jobs = [(kind, cfg) for kind in kinds for cfg in configs] + [("pvm", f) for f in fine]
    jobs = [(kind, cfg, ver, sym) for kind, cfg in jobs for sym in symmetry
            for ver in (("before", "after") if compare else ("after",))]
    for kind, (poly, hidden, upper, outer, method), ver, sym in jobs:
        opts = PolytopeLhsOptions(polytope=poly, hidden=hidden, upper_polytope=upper, outer=outer, method=method,
                                  symmetry=sym)
        start, cpu = time.perf_counter(), time.process_time()
        with previous_release() if ver == "before" else contextlib.nullcontext():
            res = PolytopeLhs().critical_visibility(family, MeasurementSpace(kind, 2), opts)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        q = res.quantities
        rows.append({"version": ver if sym == "auto" else f"{ver}, symmetry off", "symmetry": sym,
                     "symmetry_order": q.get("symmetry_order_lower"), "measurements": kind, "polytope": poly, "m": q["n_directions"],
                     "r": q["shrinking_factor"],
                     "method": method, "hidden": hidden if method == "lp" else f"2^{q['n_directions']}",
                     "upper_polytope": upper, "m_upper": q["n_directions_upper"], "outer": outer,
                     "lower": res.lower, "upper": res.upper, "width": res.upper - res.lower,
                     "lower_rigor": res.lower_rigor, "upper_rigor": res.upper_rigor,
                     "half_mixing_value": q.get("half_mixing_value"), "lower_time_s": q["lower_time_s"],
                     "upper_time_s": q["upper_time_s"], "wall_time_s": wall, "cpu_s": cpu,
                     "skipped_lps": q.get("skipped_lps", []), "message": res.message,
                     "command": (f"quantcorr threshold --solver polytope-lhs --state werner --measurements {kind} "
                                 f"--polytope {poly} --hidden {hidden} --upper-polytope {upper} --outer {outer}"
                                 f" --method {method} --symmetry {sym}")})
        r = rows[-1]
        print(f"{ver:6s} sym={sym:4s} {kind:4s} {poly:18s} m={r['m']:4d} lower={r['lower']:.6f} upper={r['upper']:.6f} "
              f"width={r['width']:.6f} cpu={cpu:.1f}s wall={wall:.1f}s", flush=True)
    return rows


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.6f}"


def markdown(rows: list[dict]) -> str:
    head = ("| code | meas. | polytope (m, r) | lower program | lower | half-mixing | upper (m', outer) | upper "
            "| width "
            "| CPU s | wall s |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['version']} | {r['measurements']} | {r['polytope']} ({r['m']}, {r['r']:.4f}) | "
        f"{'SDP ' + r['hidden'] if r['method'] == 'sdp' else 'LP, hidden ' + r['hidden']} | {r['lower']:.6f} | "
        f"{_f(r['half_mixing_value'])} | {r['upper_polytope']} ({r['m_upper']}, {r['outer']}) | "
        f"{r['upper']:.6f} | {r['width']:.6f} | "
        f"{r['cpu_s']:.1f} | {r['wall_time_s']:.1f} |\n" for r in rows)
    return head + body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", default="pvm,povm")
    ap.add_argument("--max-rows", type=int, default=len(CONFIGS))
    ap.add_argument("--rows", default="", help="comma-separated indices into CONFIGS (default: the first --max-rows)")
    ap.add_argument("--fine", default="", help="comma-separated indices into FINE (PVM rows), e.g. 0,1")
    ap.add_argument("--out", default=str(OUT), help="JSON output file")
    ap.add_argument("--compare", action="store_true", help="run every row with the previous LP route too")
    ap.add_argument("--symmetry", default="auto", choices=("auto", "off", "both"),
                    help="symmetry reduction of the LPs (both: every row with and without)")
    args = ap.parse_args()
    picked = [CONFIGS[int(i)] for i in args.rows.split(",") if i] if args.rows else CONFIGS[:args.max_rows]
    sym = ("off", "auto") if args.symmetry == "both" else (args.symmetry,)
    rows = run(args.kinds.split(","), picked, [FINE[int(i)] for i in args.fine.split(",") if i], args.compare, sym)
    write_json(Path(args.out), {"benchmark": "certified brackets, Werner state", "machine": platform.platform(),
                     "python": platform.python_version(), "rows": rows})
    print(markdown(rows))


if __name__ == "__main__":
    main()
