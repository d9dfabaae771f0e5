"""Honest metrics of a classifier of the quantum set.

Label 1 = quantum (in Q_level), 0 = not quantum; a score > 0 predicts quantum. Every report
gives the trivial "always quantum" baseline beside the model, balanced accuracy (mean of the two
class recalls), per-class precision and recall, the confusion matrix and the ROC AUC with "not
quantum" as the positive class. Spread accuracy at sigma is the accuracy on boundary pairs
(1 -+ sigma) lambda* u, whose labels are known by construction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .samplers import pairs_at, straddles

SIGMAS = (1e-2, 1e-3)


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None


def auc_not_quantum(y: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC AUC for detecting "not quantum" with score -decision (Mann-Whitney, ties count half)."""
    pos, neg = -scores[y == 0], -scores[y == 1]
    if not len(pos) or not len(neg):
        return None
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    ranks[order] = np.arange(1, len(allv) + 1)
    _, inv, counts = np.unique(allv, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = (sums / counts)[inv]
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def roc_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate) for "not quantum" as the positive class."""
    s = -scores
    order = np.argsort(-s, kind="mergesort")
    t = (y[order] == 0).astype(float)
    tpr = np.concatenate([[0.0], np.cumsum(t) / max(t.sum(), 1)])
    fpr = np.concatenate([[0.0], np.cumsum(1 - t) / max((1 - t).sum(), 1)])
    return fpr, tpr


def classification_metrics(y: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    y = np.asarray(y).astype(int)
    pred = (np.asarray(scores) > 0).astype(int)
    cm = np.array([[int(((y == t) & (pred == p)).sum()) for p in (0, 1)] for t in (0, 1)])
    recall = {c: _ratio(cm[c, c], cm[c].sum()) for c in (0, 1)}
    precision = {c: _ratio(cm[c, c], cm[:, c].sum()) for c in (0, 1)}
    present = [r for r in recall.values() if r is not None]
    n = len(y)
    q = float(y.mean()) if n else 0.0
    return {
        "n": n, "quantum_fraction": q, "accuracy": float((pred == y).mean()) if n else None,
        "balanced_accuracy": float(np.mean(present)) if present else None,
        "baseline_accuracy": q, "baseline_balanced_accuracy": 0.5 if len(present) == 2 else 1.0,
        "precision": {"not_quantum": precision[0], "quantum": precision[1]},
        "recall": {"not_quantum": recall[0], "quantum": recall[1]},
        "confusion": {"rows": "true not-quantum, quantum", "cols": "predicted not-quantum, quantum",
                      "matrix": cm.tolist()},
        "auc_not_quantum": auc_not_quantum(y, np.asarray(scores)),
    }


def spread_accuracy(model, u: np.ndarray, lam: np.ndarray, lam_ns: np.ndarray, sigma: float) -> dict[str, Any]:
    """Accuracy of `model` on the pairs (1 -+ sigma) lam u that stay inside the NS set."""
    keep = straddles(lam, lam_ns, sigma)
    x, y = pairs_at(u[keep], lam[keep], sigma)
    if not len(x):
        return {"sigma": sigma, "pairs": 0, "accuracy": None}
    pred = model.predict(x)
    return {"sigma": sigma, "pairs": int(keep.sum()), "accuracy": float((pred == y).mean()),
            "recall_inner_quantum": float(pred[y == 1].mean()), "recall_outer_not_quantum": float(1 - pred[y == 0].mean()),
            "pairs_both_right": float(((pred[0::2] == 1) & (pred[1::2] == 0)).mean())}
