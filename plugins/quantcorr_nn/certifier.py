"""Solvers `svm-chsh` and `nn-chsh`: a trained classifier's guess whether a CHSH behaviour is in
the quantum set (question "quantum-set", rigor "prediction": no certificate backs the verdict).

The model (`--model PATH`, default: the pretrained model shipped in quantcorr_nn/models/,
trained by benchmarks/train_pretrained.py) was trained on labels of the NPA set Q_level
(recorded in the model). A behaviour outside the space it was trained on is refused, not
guessed: a scenario other than 2222, or non-zero marginals for a model of the zero-marginal
slice (space 4). A model trained with exact rules decides local points, points outside NS or the
closed-form Q_1 and zero-marginal points (exact TLM criterion) before the learned part; the result
says which (score +-inf, certificate field "exact_rule"); the rigor label stays "prediction".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from quantcorr.certifier import Certificate, Certifier, Result, Rigor, Target, Verdict
from quantcorr.correlations import Behaviour
from quantcorr.errors import InputFileError, UnsupportedTargetError
from quantcorr.options import Options, option

from .classifier import DEFAULT_MODELS, SUFFIX, Classifier, load_classifier
from .geometry import chsh_values

MARGINAL_TOL = 1e-9


@dataclass
class LearnedOptions(Options):
    model: str | None = option(None, "model file written by `quantcorr learn train` (default: the shipped model)",
                               path="in")


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> Classifier:
    return load_classifier(path)


class LearnedChsh(Certifier):
    """Shared logic of the two learned solvers; subclasses set `kind`."""

    questions = ("quantum-set",)
    rigor = "prediction"
    kind = ""
    Options = LearnedOptions

    def supports(self, target: Target) -> bool:
        return isinstance(target, Behaviour) and target.p.shape == (2, 2, 2, 2)

    def model(self, options: LearnedOptions) -> tuple[Classifier, Path]:
        path = Path(options.model) if options.model else DEFAULT_MODELS[self.kind]
        if path.suffix != SUFFIX[self.kind]:
            raise InputFileError(f"{self.name} takes a {self.kind} model ({SUFFIX[self.kind]} file), got {path}")
        if not path.is_file():
            raise InputFileError(f"model file {path} does not exist")
        return _cached(str(path.resolve()), path.stat().st_mtime_ns), path

    def _certify(self, target: Target, options: LearnedOptions) -> Result:
        model, path = self.model(options)
        coords = target.chsh_coordinates()
        if model.space == 4:
            marg = float(np.abs(coords[:4]).max())
            if marg > MARGINAL_TOL:
                raise UnsupportedTargetError(
                    f"{self.name}: model {path.name} was trained on zero-marginal behaviours (space 4), this one has "
                    f"marginals up to {marg:.3g}; use a model trained with --space 8")
            x = coords[None, 4:]
        else:
            x = coords[None, :]
        score = float(model.decision(x)[0])
        verdict = Verdict.QUANTUM if score > 0 else Verdict.NOT_QUANTUM
        exact = not np.isfinite(score)  # +-inf: decided by the model's exact rules, not by the learned part
        how = ("decided by the exact rules (local; outside NS or the closed-form Q_1; zero marginals: TLM)" if exact
               else "learned prediction (no certificate)")
        cert = Certificate("learned-prediction", {"space": model.space, "features": model.features,
                                                  "level": model.meta.get("level"), "score": score,
                                                  "exact_rule": exact},
                           description=f"prediction of {model.describe()}", path=str(path))
        return Result(self.name, "quantum-set", verdict, Rigor.PREDICTION, value=score,
                      quantities={"score": score, "chsh_max": float(np.abs(chsh_values(x)).max())}, certificate=cert,
                      message=f"{how}: {model.describe()}")


class SvmChsh(LearnedChsh):
    name = "svm-chsh"
    kind = "svm"
    description = "RBF SVM's prediction of quantum-set membership of a CHSH behaviour (NPA labels)"


class NnChsh(LearnedChsh):
    name = "nn-chsh"
    kind = "nn"
    requires = ("torch",)
    description = "neural network's prediction (classifier or gauge model) of quantum-set membership (NPA labels)"
