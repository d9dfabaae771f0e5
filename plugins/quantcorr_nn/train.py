"""`learn train`: fit an SVM or a network on the training split of a dataset and save it.

The dataset is split 70/15/15 (train / validation / test) with the seed; the model records the
dataset's sha256 and the split seed, so `learn eval` on the same file scores the test split only.
The SVM selects (C, gamma) by cross-validation inside the training split; the network stops early
on the validation split. The gauge model (gauge.py) splits the boundary directions the same way.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from quantcorr.errors import OptionError

from .classifier import SUFFIX
from .dataset import check_output, load_dataset, split_indices
from .features import parse_spec
from .geometry import known_labels
from .metrics import classification_metrics

MODELS = ("svm", "nn", "gauge")
MAX_WIDTH = 4096


def parse_hidden(spec: str) -> tuple[int, ...]:
    """Hidden-layer widths from "64,16,4" (1 to 8 layers of 1 to MAX_WIDTH units)."""
    try:
        widths = tuple(int(w) for w in spec.split(","))
    except ValueError:
        widths = ()
    if not 1 <= len(widths) <= 8 or not all(1 <= w <= MAX_WIDTH for w in widths):
        raise OptionError(f"--hidden must be 1 to 8 comma-separated widths in 1..{MAX_WIDTH}, got {spec!r}")
    return widths


def train(kind: str, data_paths: str | Path | list, out: str | Path, *, features: str = "raw", seed: int = 0,
          overwrite: bool = False, cv_max: int = 4000, epochs: int = 300, patience: int = 30, batch: int = 256,
          lr: float = 3e-3, alpha: float = 0.5, gamma: float = 2.0, convex: bool = False, device: str = "cpu",
          exact_rules: bool = False, hidden: tuple[int, ...] = (64, 16, 4), symmetry: bool = True,
          progress: bool = False) -> dict[str, Any]:
    """Train on the union of the training splits of one or more datasets of the same space
    (validation: the union of their validation splits). With `exact_rules` the model decides only
    the points that geometry.known_labels leaves open, and is trained on those alone. `hidden` sets
    the layer widths of nn and gauge; `symmetry` (gauge only) canonicalises by the 128 symmetries."""
    if kind not in MODELS:
        raise OptionError(f"--model must be one of {', '.join(MODELS)}, got {kind!r}")
    parse_spec(features)
    hidden = parse_hidden(",".join(str(w) for w in hidden))
    paths = [data_paths] if isinstance(data_paths, (str, Path)) else list(data_paths)
    out = check_output(out, SUFFIX[kind], overwrite, inputs=tuple(paths))
    sets = [load_dataset(p) for p in paths]
    metas = [d["meta"] for d in sets]
    if len({(m["space"], m["level"]) for m in metas}) != 1:
        raise OptionError("training datasets must share one space and one NPA level")
    parts = [split_indices(len(d["y"]), seed) for d in sets]
    x, y = (np.concatenate([d[k][p["train"]] for d, p in zip(sets, parts)]) for k in ("x", "y"))
    xv, yv = (np.concatenate([d[k][p["val"]] for d, p in zip(sets, parts)]) for k in ("x", "y"))
    if exact_rules and kind != "gauge":  # a gauge model learns from rays: the rules only apply at decision time
        open_tr, open_va = ~known_labels(x)[0], ~known_labels(xv)[0]
        x, y, xv, yv = x[open_tr], y[open_tr], xv[open_va], yv[open_va]
        if len(np.unique(y)) < 2 or not len(yv):
            raise OptionError("--exact-rules: the points left open by the exact rules hold fewer than two classes "
                              "(in space 4 the rules decide every point: Q_1 = Q there)")
    if len(np.unique(y)) < 2:
        raise OptionError("the training split holds only one class; use more points or --sampler balanced")
    meta = metas[0]
    base = {"kind": kind, "space": meta["space"], "level": meta["level"], "labeller": meta["labeller"],
            "sampler": "+".join(m["sampler"] for m in metas), "data": [Path(p).name for p in paths],
            "data_sha256": [d["sha256"] for d in sets], "split_seed": seed, "n_train": int(len(y)),
            "n_val": int(len(yv)), "seed": seed, "exact_rules": exact_rules, "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    t0 = time.perf_counter()
    if kind == "svm":
        from .svm import train_svm

        model, info = train_svm(x, y, features, seed, base, cv_max=cv_max)
    elif kind == "gauge":
        from .gauge import train_gauge

        if not all("u" in d for d in sets):
            raise OptionError("--model gauge learns from boundary datasets (learn data --sampler boundary or curved) "
                              "only")
        dirs = [split_indices(len(d["u"]), seed) for d in sets]
        u, lam = (np.concatenate([d[k][p["train"]] for d, p in zip(sets, dirs)]) for k in ("u", "lam"))
        uv, lamv = (np.concatenate([d[k][p["val"]] for d, p in zip(sets, dirs)]) for k in ("u", "lam"))
        model, info = train_gauge(u, lam, uv, lamv, features, seed, base, epochs=epochs, batch=batch, lr=lr,
                                  patience=patience, hidden=hidden, symmetry=symmetry, device=device,
                                  progress=progress)
    else:
        from .net import train_net

        model, info = train_net(x, y, xv, yv, features, seed, base, epochs=epochs, batch=batch, lr=lr,
                                patience=patience, alpha=alpha, gamma=gamma, convex=convex, hidden=hidden,
                                device=device, progress=progress)
    train_s = time.perf_counter() - t0
    n_train = int(info.get("directions", len(y)))  # a gauge model learns from rays, not points
    model.meta.update(train_s=train_s, n_train=n_train)
    model.save(out)
    xv_all = np.concatenate([d["x"][p["val"]] for d, p in zip(sets, parts)])
    yv_all = np.concatenate([d["y"][p["val"]] for d, p in zip(sets, parts)])
    val = classification_metrics(yv_all, model.decision(xv_all))
    return {"out": str(out), "kind": kind, "features": features, "space": meta["space"], "train_s": train_s,
            "n_train": n_train, "validation": {k: val[k] for k in ("accuracy", "balanced_accuracy")},
            "size_bytes": out.stat().st_size, **{k: v for k, v in info.items() if k != "device"}}
