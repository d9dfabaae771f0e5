"""Print the markdown rows of benchmarks/gradient_lhs.md from benchmarks/results/gradient_lhs_*.json
(and gradient_lhv_*.json with `--lhv`).

Accuracy rows (suite gradient-accuracy, issue 11): the reference is the truth, or for the
partially entangled state the certified polytope-lhs bracket [0.6046, 0.6124]; "contains" says
whether the reported bracket contains the truth (the whole certified bracket for a bracket).
`--refit` recomputes estimate and bracket from each saved loss table with the current rule."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

REFERENCE = {"werner_pvm": 0.5, "werner_paulis": 1 / math.sqrt(3), "werner_povm": 0.5, "werner_povm_narrow": 0.5,
             "iso3_pvm": 5 / 12, "iso3_povm": None,
             "acc_werner_cube": 1 / math.sqrt(3), "acc_werner_icosahedron": 0.539345, "acc_werner_pvm": 0.5,
             "acc_werner_povm": 0.5, "acc_iso3_pvm": 5 / 12, "acc_pe8_pvm": (0.6046, 0.6124)}
LHV = {"werner_pvm": (0.6875, 0.6961), "chsh": 2**-0.5, "ghz3_pvm": None, "w3_pvm": None}


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def refit(r: dict) -> dict:
    """Estimate, bracket and lower rigor recomputed from the saved loss table with the current rule
    of quantcorr_gradient.fit (no training)."""
    import numpy as np

    from quantcorr_gradient.fit import threshold_bracket

    t = r["table"]
    br = threshold_bracket(np.array([x["v"] for x in t]), np.array([x["loss"] for x in t]),
                           np.array([x["verdict"] != "inconclusive" for x in t]),
                           np.array([x["tolerance"] for x in t]) if all("tolerance" in x for x in t) else None)
    return {**r, "estimate": br.estimate, "lower": br.lower, "upper": br.upper, "lower_rigor": br.lower_rigor,
            "quantities": {**r["quantities"], "warning": br.warning}}


def row(case: str, r: dict, ref) -> str:
    q = r["quantities"]
    lo, hi, est = r["lower"], r["upper"], r["estimate"]
    if ref is None:
        ref_s, err, inside = "open", "-", "-"
    else:
        a, b = ref if isinstance(ref, tuple) else (ref, ref)
        ref_s = f"[{a:.4f}, {b:.4f}]" if isinstance(ref, tuple) else f"{a:.4f}"
        err = "-" if est is None else f"{est - a:+.4f}" if est < a else f"{est - b:+.4f}" if est > b else "0 (inside)"
        inside = "-" if lo is None or hi is None else ("yes" if lo <= a and b <= hi else "no")
    unsteer = [x["v"] for x in r["table"] if x["verdict"] != "inconclusive"]
    return (f"| {case} | {_fmt(est)} | [{_fmt(lo)}, {_fmt(hi)}] ({r['lower_rigor'] or 'fit'}) | {ref_s} | {err} | "
            f"{inside} | {max(unsteer) if unsteer else '-'} | {q['steps_per_s']} | {q['steps_total']} | "
            f"{r['wall_time_s']:.0f} | {q.get('warning', '') or ''} |")


def main(folder: str = "benchmarks/results", kind: str = "lhs", again: bool = False) -> None:
    table = LHV if kind == "lhv" else REFERENCE
    print("| case | estimate | bracket (lower rigor) | reference | error | bracket contains reference | "
          "largest classical v | steps/s | steps | wall (s) | warning |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for case, ref in table.items():
        path = Path(folder) / f"gradient_{kind}_{case}.json"
        if path.is_file():
            r = json.loads(path.read_text())
            print(row(case, refit(r) if again else r, ref))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a not in ("--lhv", "--refit")]
    main(*(args or ["benchmarks/results"]), kind="lhv" if "--lhv" in sys.argv else "lhs", again="--refit" in sys.argv)
