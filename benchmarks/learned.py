"""Reproduce every row of benchmarks/learned.md: learned classifiers of the quantum set (CHSH).

    OMP_NUM_THREADS=1 python benchmarks/learned.py            # full run (1e4-8e4 points per set)
    OMP_NUM_THREADS=1 python benchmarks/learned.py --quick    # CI size (a minute or two)
    OMP_NUM_THREADS=1 python benchmarks/learned.py --rows gauge8,gauge8-c --work DIR   # some rows

Each row trains one model with `quantcorr learn train` semantics on the 70% training split of
its datasets (seeded), then scores it on (a) an independent uniform test set of its space (40000
points in full mode: global accuracy, balanced accuracy, the "always quantum" baseline) and (b) an
independent boundary-pair test set (spread accuracy at sigma = 1e-2 and 1e-3, pairs
(1 -+ sigma) lambda* u from the same directions). Labels: exact TLM in space 4, the NPA
set Q_{1+AB} (quantcorr_npa.batched) in space 8. Gauge rows regress the gap between the
closed-form Q_1 and Q_{1+AB} (symmetric unless the row says otherwise); the curved set `c` holds
only the rays the exact shortcuts leave open. Results go to benchmarks/results/learned.json (or
learned_quick.json; a run with --rows replaces those rows and keeps the others) and a markdown
table is printed.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

from quantcorr_nn.dataset import generate
from quantcorr_nn.evaluate import evaluate
from quantcorr_nn.train import train

SIZES = {"full": {"uniform": 20000, "boundary": 10000, "curved": 80000, "test": 4000, "test_uniform": 40000,
                  "epochs": 200, "cv_max": 3000},
         "quick": {"uniform": 4000, "boundary": 2000, "curved": 2000, "test": 1000, "test_uniform": 2000, "epochs": 40,
                   "cv_max": 1000}}
BIG = (128, 64, 16)

# (row id, space, model, features, training sets, extra training options)
ROWS = [
    ("svm4-raw", 4, "svm", "raw", ("u",), {}),
    ("svm4-tlm", 4, "svm", "raw,tlm", ("u",), {}),
    ("nn4-raw", 4, "nn", "raw", ("u",), {}),
    ("nn4-tlm", 4, "nn", "raw,tlm", ("u",), {}),
    ("nn4-tlm-bd", 4, "nn", "raw,tlm", ("u", "b"), {}),
    ("svm8-raw", 8, "svm", "raw", ("u",), {}),
    ("svm8-tlm", 8, "svm", "raw,tlm", ("u",), {}),
    ("nn8-raw", 8, "nn", "raw", ("u",), {}),
    ("nn8-chsh", 8, "nn", "raw,chsh", ("u",), {}),
    ("nn8-convex", 8, "nn", "raw", ("u",), {"convex": True}),
    ("nn8-tlm", 8, "nn", "raw,tlm", ("u",), {}),
    ("nn8-tlm-bd", 8, "nn", "raw,tlm", ("u", "b"), {}),
    ("nn8-tlm-all", 8, "nn", "raw,tlm", ("u", "w", "bal", "b"), {}),
    ("svm8-rules", 8, "svm", "raw,tlm", ("u",), {"exact_rules": True}),
    ("svm8-rules-bd", 8, "svm", "raw,tlm", ("u", "b"), {"exact_rules": True}),
    ("nn8-rules-bd", 8, "nn", "raw,tlm", ("u", "b"), {"exact_rules": True}),
    ("gauge8-nosym", 8, "gauge", "raw,tlm", ("b",), {"symmetry": False}),
    ("gauge8", 8, "gauge", "raw", ("b",), {}),
    ("gauge8-tlm", 8, "gauge", "raw,tlm", ("b",), {}),
    ("gauge8-big", 8, "gauge", "raw", ("b",), {"hidden": BIG}),
    ("gauge8-c", 8, "gauge", "raw", ("c",), {"hidden": BIG, "epochs": 60}),
    ("gauge8-c-rules", 8, "gauge", "raw", ("c",), {"hidden": BIG, "epochs": 60, "exact_rules": True}),
]
# (key, sampler, size key, seed offset): training sets u, b, c (curved rays), bal, w; test sets t, v
SETS = (("u", "uniform", "uniform", 10), ("b", "boundary", "boundary", 20), ("t", "boundary", "test", 30),
        ("v", "uniform", "test_uniform", 40), ("bal", "balanced", "boundary", 50), ("w", "uniform", "uniform", 60),
        ("c", "curved", "curved", 70))


def datasets(work: Path, size: dict, rows: list) -> tuple[dict, dict]:
    """Generate (or reuse) the training sets the rows use (u uniform, b boundary pairs, c curved
    rays, bal balanced, w a second uniform set) and the test sets (t boundary pairs, v uniform) of
    each space. Curved sets are written in chunks of 4000 points."""
    need = {(key, row[1]) for row in rows for key in (*row[4], "t", "v")}
    paths, times = {}, {}
    for key, sampler, n_key, offset in SETS:
        for space in sorted({s for k, s in need if k == key}):
            path = work / f"{key}{space}.npz"
            t0 = time.perf_counter()
            if not path.exists():
                generate(path, space=space, sampler=sampler, n=size[n_key], sigma=1e-2, level="1+AB",
                         seed=offset + space, chunk=4000 if sampler == "curved" else 2000, progress=False)
            paths[key, space] = path
            times[f"{key}{space}"] = time.perf_counter() - t0
    return paths, times


def run_row(row, paths, work: Path, size: dict) -> dict:
    rid, space, kind, feats, sets, extra = row
    out = work / f"{rid}.{'npz' if kind == 'svm' else 'pt'}"
    opts = {**extra, "epochs": min(size["epochs"], extra.get("epochs", size["epochs"]))}
    t0 = time.perf_counter()
    summary = train(kind, [paths[s, space] for s in sets], out, features=feats, seed=0, overwrite=True,
                    cv_max=size["cv_max"], **opts)
    wall_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    glob = evaluate(out, paths["v", space], boundary_path=paths["t", space])
    eval_s = time.perf_counter() - t0
    m = glob["metrics"]
    return {"row": rid, "space": space, "model": kind, "features": feats, "train_on": "+".join(sets),
            "convex": bool(extra.get("convex", False)), "exact_rules": bool(extra.get("exact_rules", False)),
            "symmetry": kind == "gauge" and extra.get("symmetry", True),
            "hidden": list(extra.get("hidden", (64, 16, 4))),
            "n_train": summary["n_train"], "train_s": wall_s,
            "eval_s": eval_s, "size_kib": summary["size_bytes"] / 1024, "test_points": m["n"],
            "accuracy": m["accuracy"], "balanced_accuracy": m["balanced_accuracy"],
            "baseline_accuracy": m["baseline_accuracy"], "recall_not_quantum": m["recall"]["not_quantum"],
            "spread": {f"{s['sigma']:g}": {"accuracy": s["accuracy"], "pairs": s["pairs"]} for s in glob["spread"]},
            "extra": {k: summary.get(k) for k in ("best_params", "support_vectors", "epochs", "val_balanced_accuracy",
                                                  "learned_directions", "val_gap_within_1e-3", "val_gap_within_1e-2")
                      if k in summary}}


def n_train(r: dict) -> str:
    """Training points, or for a gauge model its rays and (in brackets) the open ones it learns from."""
    learned = r["extra"].get("learned_directions")
    return f"{r['n_train']} rays ({learned} open)" if learned is not None else str(r["n_train"])


def table(rows: list[dict]) -> str:
    head = ("| row | space | model | features | trained on | n train | accuracy | balanced acc | always-quantum acc "
            "| spread 1e-2 | spread 1e-3 | train s |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        sp = r["spread"]
        model = r["model"] + (" (convex)" if r["convex"] else "") + (" + exact rules" if r["exact_rules"] else "")
        if r.get("symmetry"):
            model += " (symmetric" + (f", {'-'.join(map(str, r['hidden']))})" if r["hidden"] != [64, 16, 4] else ")")
        lines.append(f"| {r['row']} | {r['space']} | {model} | {r['features']} "
                     f"| {r['train_on']} | {n_train(r)} | {r['accuracy']:.4f} | {r['balanced_accuracy']:.4f} "
                     f"| {r['baseline_accuracy']:.4f} | {sp['0.01']['accuracy']:.4f} | {sp['0.001']['accuracy']:.4f} "
                     f"| {r['train_s']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="CI-size datasets and budgets")
    ap.add_argument("--rows", default="", help="comma-separated row ids (default: all)")
    ap.add_argument("--work", default=None, help="folder for datasets and models (default: a temporary one)")
    ap.add_argument("--out", default=None, help="JSON results (default: benchmarks/results/learned[_quick].json)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    size = SIZES["quick" if args.quick else "full"]
    rows = [r for r in ROWS if not args.rows or r[0] in args.rows.split(",")]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="learned-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths, data_s = datasets(work, size, rows)
    results = []
    for row in rows:
        results.append(run_row(row, paths, work, size))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    out = Path(args.out) if args.out else Path(__file__).parent / "results" / f"learned{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.rows and out.exists():  # rerun of some rows: keep the others
        done = {r["row"] for r in results}
        ids = [x[0] for x in ROWS]
        old = [r for r in json.loads(out.read_text())["rows"] if r["row"] not in done and r["row"] in ids]
        results = sorted(old + results, key=lambda r: ids.index(r["row"]))
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "mode": "quick" if args.quick else "full",
              "sizes": size, "machine": f"{platform.machine()}, shared loaded 2-core CPU, torch threads 1",
              "data_s": data_s, "total_s": time.perf_counter() - t0, "rows": results}
    out.write_text(json.dumps(report, indent=1))
    print(table(results))
    print(f"\nwritten {out}; work folder {work}; total {report['total_s']:.0f} s")


if __name__ == "__main__":
    main()
