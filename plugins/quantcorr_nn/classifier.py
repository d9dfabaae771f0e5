"""Common interface of trained classifiers and the model-file dispatcher.

A classifier maps CHSH points (N, space) to a score: positive = predicted in Q_level
("quantum"), negative = predicted not quantum. `meta` records the space, features, labels and
the training data (sha256 and split seed) so evaluation can refuse to test on training points.
Model files carry a sha256 checksum of their content; a file whose checksum does not match is
refused (a corrupted or edited model never answers).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from quantcorr.errors import DimensionError, InputFileError

from .features import features
from .geometry import known_labels

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_MODELS = {"svm": MODELS_DIR / "svm-chsh.npz", "nn": MODELS_DIR / "nn-chsh.pt"}
SUFFIX = {"svm": ".npz", "nn": ".pt", "gauge": ".pt"}


class Classifier:
    """Base class: subclasses implement `_scores(features)`."""

    kind = ""

    def __init__(self, meta: dict[str, Any]):
        self.meta = meta
        self.space = int(meta["space"])
        self.features = str(meta["features"])

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Scores of points x (N, space): > 0 means predicted quantum. With exact rules (meta
        "exact_rules"), points decided by geometry.known_labels get +-inf and only the others
        are scored by the model."""
        x = np.asarray(x, float)
        if x.ndim != 2 or x.shape[1] != self.space:
            raise DimensionError(f"this {self.kind} model takes points with {self.space} coordinates, got shape {x.shape}")
        if not self.meta.get("exact_rules"):
            return self._scores(features(x, self.features))
        known, label = known_labels(x)
        out = np.where(label, np.inf, -np.inf)
        if (~known).any():
            out[~known] = self._scores(features(x[~known], self.features))
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (self.decision(x) > 0).astype(np.int8)

    def _scores(self, f: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def describe(self) -> str:
        m = self.meta
        rules = "exact rules + " if m.get("exact_rules") else ""
        unit = "rays" if self.kind == "gauge" else "points"
        return (f"{rules}{self.kind} on space {self.space}, features {self.features}, {m.get('n_train', '?')} training "
                f"{unit} ({m.get('sampler', '?')} sampler), labels: {m.get('labeller', '?')}")


def checksum(meta_json: str, arrays: dict[str, np.ndarray]) -> str:
    """sha256 over the meta JSON and every array (name, dtype, shape, bytes) in name order."""
    h = hashlib.sha256(meta_json.encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def verify_checksum(path: Path, meta_json: str, arrays: dict[str, np.ndarray], stored: str) -> dict[str, Any]:
    if checksum(meta_json, arrays) != stored:
        raise InputFileError(f"{path}: model checksum mismatch (file corrupted or edited); refusing to load it")
    meta = json.loads(meta_json)
    if not isinstance(meta, dict) or meta.get("space") not in (4, 8) or "features" not in meta:
        raise InputFileError(f"{path}: model metadata is incomplete")
    return meta


def load_classifier(path: str | Path) -> Classifier:
    """An SVM (.npz) or network / gauge (.pt) model written by `learn train`; InputFileError otherwise."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"model file {path} does not exist")
    if path.suffix == ".npz":
        from .svm import load_svm

        return load_svm(path)
    if path.suffix == ".pt":
        from .net import load_net

        return load_net(path)
    raise InputFileError(f"{path}: a model file ends in .npz (svm) or .pt (nn)")
