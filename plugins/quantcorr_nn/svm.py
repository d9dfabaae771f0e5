"""RBF support vector machine: scikit-learn for training, plain arrays for storage and use.

Why no pickle: a scikit-learn estimator can only be saved with pickle/joblib, and unpickling a
file runs arbitrary code, so a model downloaded or shared as a file could execute anything when
loaded. We store only arrays in an .npz read with allow_pickle=False (support vectors in the
standardised feature space, dual coefficients, intercept, gamma, the feature standardisation
and the feature spec) plus a sha256 checksum, and evaluate the decision function
f(x) = sum_i alpha_i exp(-gamma |z(x) - s_i|^2) + b ourselves in numpy (z = standardised
features). f > 0 means "quantum" (class 1), as in SVC.decision_function with classes (0, 1).
"""

from __future__ import annotations

import json
import zipfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from quantcorr.errors import InputFileError

from .classifier import Classifier, checksum, verify_checksum
from .dataset import save_npz
from .features import features

FORMAT = "quantcorr-nn-svm-1"
C_GRID = (1.0, 10.0, 100.0, 1000.0)
GAMMA_FACTORS = (0.3, 1.0, 3.0, 10.0)


class SvmModel(Classifier):
    kind = "svm"

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]):
        super().__init__(meta)
        self.sv, self.dual = arrays["sv"], arrays["dual"]
        self.intercept, self.gamma = float(arrays["intercept"]), float(arrays["gamma"])
        self.mean, self.std = arrays["mean"], arrays["std"]

    def _scores(self, f: np.ndarray) -> np.ndarray:
        z = (f - self.mean) / self.std
        out = np.empty(len(z))
        sv_sq = (self.sv ** 2).sum(axis=1)
        for start in range(0, len(z), 4096):
            zz = z[start:start + 4096]
            d2 = np.maximum((zz ** 2).sum(axis=1)[:, None] + sv_sq[None, :] - 2 * zz @ self.sv.T, 0.0)
            out[start:start + 4096] = np.exp(-self.gamma * d2) @ self.dual + self.intercept
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        return {"sv": self.sv, "dual": self.dual, "intercept": np.array(self.intercept), "gamma": np.array(self.gamma),
                "mean": self.mean, "std": self.std}

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        meta_json = json.dumps({**self.meta, "format": FORMAT}, sort_keys=True)
        arrays = self.arrays()
        return save_npz(path, {"meta": np.array(meta_json), "checksum": np.array(checksum(meta_json, arrays)),
                               **arrays})


def load_svm(path: Path) -> SvmModel:
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        meta_json, stored = str(data.pop("meta")), str(data.pop("checksum"))
        arrays = {k: data[k] for k in ("sv", "dual", "intercept", "gamma", "mean", "std")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise InputFileError(f"cannot read svm model {path}: {type(exc).__name__}: {exc}") from None
    meta = verify_checksum(path, meta_json, arrays, stored)
    if meta.get("format") != FORMAT:
        raise InputFileError(f"{path} is not a quantcorr svm model")
    return SvmModel(arrays, meta)


def train_svm(x: np.ndarray, y: np.ndarray, spec: str, seed: int, meta: dict[str, Any], cv_max: int = 4000,
              folds: int = 3) -> tuple[SvmModel, dict[str, Any]]:
    """Grid search (C x gamma, stratified `folds`-fold CV on at most `cv_max` training points,
    balanced accuracy), then a refit of the best pair on all of (x, y)."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.svm import SVC

    f = features(x, spec)
    mean, std = f.mean(axis=0), f.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    z = (f - mean) / std
    rng = np.random.default_rng(seed)
    sub = rng.permutation(len(z))[:cv_max]
    g0 = 1.0 / z.shape[1]
    grid = {"C": list(C_GRID), "gamma": [g0 * k for k in GAMMA_FACTORS]}
    t0 = time.perf_counter()
    search = GridSearchCV(SVC(kernel="rbf", cache_size=500), grid, scoring="balanced_accuracy", n_jobs=1,
                          cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
    search.fit(z[sub], y[sub])
    t1 = time.perf_counter()
    clf = SVC(kernel="rbf", cache_size=500, **search.best_params_).fit(z, y)
    t2 = time.perf_counter()
    arrays = {"sv": clf.support_vectors_.astype(float), "dual": clf.dual_coef_[0].astype(float),
              "intercept": np.array(float(clf.intercept_[0])), "gamma": np.array(float(search.best_params_["gamma"])),
              "mean": mean, "std": std}
    info = {"best_params": {k: float(v) for k, v in search.best_params_.items()},
            "cv_balanced_accuracy": float(search.best_score_), "cv_points": int(len(sub)),
            "support_vectors": int(len(clf.support_vectors_)), "grid_s": t1 - t0, "fit_s": t2 - t1}
    return SvmModel(arrays, {**meta, "features": spec, **info}), info
