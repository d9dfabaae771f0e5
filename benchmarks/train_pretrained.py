"""Train the pretrained models shipped in plugins/quantcorr_nn/models/ (fixed seeds).

    OMP_NUM_THREADS=1 python benchmarks/train_pretrained.py [--work DIR]

Both models work in space 8 (every 2222 behaviour, marginals included), labels from the NPA
set Q_{1+AB} (quantcorr_npa.batched), and both decide the exactly known points first (local:
quantum; outside NS or the closed-form Q_1: not quantum; zero marginals: the exact TLM criterion,
so the PR box with white noise switches at v = 1/sqrt2 and the Tsirelson point is quantum).
svm-chsh.npz is the row svm8-rules-bd of benchmarks/learned.md, nn-chsh.pt (a symmetric gauge network
trained on curved rays) the row gauge8-c-rules. The datasets are generated with fixed seeds into
the work folder (reused when present; `--work` may point at the work folder of learned.py), so a
rerun reproduces the files bit for bit on the same software.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from quantcorr_nn.classifier import DEFAULT_MODELS
from quantcorr_nn.dataset import generate
from quantcorr_nn.evaluate import evaluate
from quantcorr_nn.train import train

# The datasets of benchmarks/learned.py (full mode).
DATA = {"u8": dict(space=8, sampler="uniform", n=20000, seed=18),
        "b8": dict(space=8, sampler="boundary", n=10000, seed=28, sigma=1e-2),
        "c8": dict(space=8, sampler="curved", n=80000, seed=78, sigma=1e-2, chunk=4000),
        "t8": dict(space=8, sampler="boundary", n=4000, seed=38, sigma=1e-2),
        "v8": dict(space=8, sampler="uniform", n=40000, seed=48)}
MODELS = {"svm": dict(kind="svm", data=("u8", "b8"), features="raw,tlm", cv_max=3000, exact_rules=True),
          "nn": dict(kind="gauge", data=("c8",), features="raw", hidden=(128, 64, 16), epochs=60, exact_rules=True)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default=None, help="folder for the datasets (default: a temporary one)")
    ap.add_argument("--only", choices=sorted(MODELS), help="train one of the two models")
    args = ap.parse_args()
    torch.set_num_threads(1)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="pretrained-"))
    work.mkdir(parents=True, exist_ok=True)
    for name, spec in DATA.items():
        if not (work / f"{name}.npz").exists():
            generate(work / f"{name}.npz", level="1+AB", progress=False, **spec)
    for key, spec in MODELS.items():
        if args.only and key != args.only:
            continue
        out = DEFAULT_MODELS[key]
        out.parent.mkdir(parents=True, exist_ok=True)
        opts = {k: v for k, v in spec.items() if k not in ("kind", "data")}
        summary = train(spec["kind"], [work / f"{d}.npz" for d in spec["data"]], out, seed=0, overwrite=True, **opts)
        rep = evaluate(out, work / "v8.npz", boundary_path=work / "t8.npz")
        m = rep["metrics"]
        print(json.dumps({"model": str(out), "size_kib": round(out.stat().st_size / 1024, 1),
                          "train_s": round(summary["train_s"], 1), "test_accuracy": m["accuracy"],
                          "test_balanced_accuracy": m["balanced_accuracy"], "baseline": m["baseline_accuracy"],
                          "spread": {f"{s['sigma']:g}": s["accuracy"] for s in rep["spread"]}}))


if __name__ == "__main__":
    main()
