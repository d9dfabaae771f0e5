"""`learn eval`: metrics of a model on a dataset, spread accuracies on boundary pairs, plots.

Points the model was trained or validated on are never scored: when the dataset is the model's
own training file (same sha256), only its held-out test split is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from quantcorr.errors import DimensionError

from .classifier import load_classifier
from .dataset import load_dataset, split_indices
from .geometry import ns_max_scaling, sample_ns
from .labels import make_labeller
from .metrics import SIGMAS, classification_metrics, spread_accuracy


def fresh_pairs(space: int, level: str, n_pairs: int, seed: int) -> dict[str, np.ndarray]:
    """Boundary directions (u, lam, lam_ns) drawn afresh (NS-uniform directions)."""
    u = sample_ns(n_pairs, space, np.random.default_rng([seed, 999]))
    return {"u": u, "lam": make_labeller(space, level).max_scaling(u), "lam_ns": ns_max_scaling(u)}


def evaluate(model_path: str | Path, data_path: str | Path, boundary_path: str | Path | None = None,
             spread_pairs: int = 1000, seed: int = 1, sigmas: tuple[float, ...] = SIGMAS) -> dict[str, Any]:
    model = load_classifier(model_path)
    data = load_dataset(data_path)
    if data["meta"]["space"] != model.space:
        raise DimensionError(f"model is for space {model.space}, dataset {data_path} for space {data['meta']['space']}")
    idx = np.arange(len(data["y"]))
    scope = "all points"
    if data["sha256"] in trained_on(model):
        idx = split_indices(len(idx), int(model.meta["split_seed"]))["test"]
        scope = "held-out test split of the training file"
    scores = model.decision(data["x"][idx])
    report: dict[str, Any] = {"model": str(model_path), "model_kind": model.kind, "features": model.features,
                              "data": str(data_path), "scope": scope, "sampler": data["meta"]["sampler"],
                              "space": model.space, "labels": data["meta"]["labeller"],
                              "metrics": classification_metrics(data["y"][idx], scores)}
    pairs, source = _pairs(data, idx, boundary_path, model, spread_pairs, seed)
    report["spread_source"] = source
    report["spread"] = [spread_accuracy(model, pairs["u"], pairs["lam"], pairs["lam_ns"], s) for s in sigmas]
    report["_y"], report["_scores"] = data["y"][idx], scores
    return report


def trained_on(model) -> list[str]:
    """sha256 of the datasets the model was trained on."""
    sha = model.meta.get("data_sha256") or []
    return [sha] if isinstance(sha, str) else list(sha)


def _pairs(data, idx, boundary_path, model, n_pairs, seed) -> tuple[dict[str, np.ndarray], str]:
    if boundary_path is not None:
        b = load_dataset(boundary_path)
        if "u" not in b or b["meta"]["space"] != model.space:
            raise DimensionError(f"{boundary_path} is not a boundary dataset of space {model.space}")
        if b["sha256"] in trained_on(model):
            return _test_pairs(b, model), f"test-split pairs of {boundary_path}"
        return {k: b[k] for k in ("u", "lam", "lam_ns")}, f"pairs of {boundary_path}"
    if "u" in data:
        if data["sha256"] in trained_on(model):
            return _test_pairs(data, model), "test-split pairs of the dataset"
        return {k: data[k] for k in ("u", "lam", "lam_ns")}, "pairs of the dataset"
    return (fresh_pairs(model.space, data["meta"]["level"], n_pairs, seed),
            f"{n_pairs} fresh NS-uniform directions (seed {seed})")


def _test_pairs(b: dict[str, Any], model) -> dict[str, np.ndarray]:
    """Directions held out from the model's training: for a classifier, those of the pairs whose
    two points both lie in its test split; for a gauge model, the test split of the directions."""
    seed = int(model.meta["split_seed"])
    if model.kind == "gauge":
        keep = split_indices(len(b["u"]), seed)["test"]
    else:
        test = np.zeros(len(b["y"]), bool)
        test[split_indices(len(b["y"]), seed)["test"]] = True
        keep = b["pair_dir"][test[0::2] & test[1::2]]
    return {k: b[k][keep] for k in ("u", "lam", "lam_ns")}


def plot_report(report: dict[str, Any], model_path: str | Path, out: str | Path) -> Path:
    """ROC curve and a 2-D slice of the decision boundary with the true (TLM) boundary."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .geometry import tlm_margin
    from .metrics import roc_curve

    model = load_classifier(model_path)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.6))
    fpr, tpr = roc_curve(report["_y"], report["_scores"])
    auc = report["metrics"]["auc_not_quantum"]
    ax1.plot(fpr, tpr, label=f"{model.kind} (AUC {auc:.4f})" if auc is not None else model.kind)
    ax1.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax1.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC, positive = not quantum")
    ax1.legend(loc="lower right")
    # Slice through white noise spanned by two CHSH directions, zero marginals.
    t = np.array([1, 1, 1, -1]) / 2.0
    s = np.array([1, 1, -1, 1]) / 2.0
    g = np.linspace(-2.0, 2.0, 401)
    a, b = np.meshgrid(g, g)
    e = a.ravel()[:, None] * t + b.ravel()[:, None] * s
    inside = np.abs(e).max(axis=1) <= 1
    pts = e if model.space == 4 else np.concatenate([np.zeros((len(e), 4)), e], axis=1)
    z = np.full(len(e), np.nan)
    z[inside] = model.decision(pts[inside])
    true = np.full(len(e), np.nan)
    true[inside] = tlm_margin(e[inside])
    region = np.where(inside, (z > 0).astype(float), np.nan)  # blank outside NS
    ax2.contourf(a, b, region.reshape(a.shape), levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6e2c6"])
    ax2.contour(a, b, z.reshape(a.shape), levels=[0], colors="C0", linewidths=1.2)
    ax2.contour(a, b, true.reshape(a.shape), levels=[0], colors="k", linestyles="--", linewidths=1.0)
    ax2.contour(a, b, inside.reshape(a.shape).astype(float), levels=[0.5], colors="0.5", linewidths=0.8)
    ax2.set(xlabel="a: E = a (1,1,1,-1)/2 + b (1,1,-1,1)/2", ylabel="b", aspect="equal",
            title="slice (zero marginals): model (blue), quantum (dashed)")
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
