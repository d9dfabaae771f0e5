"""Print the markdown rows of benchmarks/gradient_lhs.md from benchmarks/results/gradient_lhs_*.json."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

REFERENCE = {"werner_pvm": 0.5, "werner_paulis": 1 / math.sqrt(3), "werner_povm": 0.5, "werner_povm_narrow": 0.5,
             "iso3_pvm": 5 / 12, "iso3_povm": None}


def main(folder: str = "benchmarks/results") -> None:
    print("| case | estimate | bracket (lower rigor) | reference | error | steps/s | steps | wall (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for case, ref in REFERENCE.items():
        path = Path(folder) / f"gradient_lhs_{case}.json"
        if not path.is_file():
            continue
        r = json.loads(path.read_text())
        q = r["quantities"]
        err = f"{r['estimate'] - ref:+.4f}" if ref is not None else "-"
        ref_s = f"{ref:.4f}" if ref is not None else "open (>= 8/27 = 0.2963)"
        print(f"| {case} | {r['estimate']:.4f} | [{r['lower']:.4f}, {r['upper']:.4f}] ({r['lower_rigor'] or 'fit'}) | {ref_s} | {err} | "
              f"{q['steps_per_s']} | {q['steps_total']} | {r['wall_time_s']:.0f} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
