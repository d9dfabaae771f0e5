"""The `gradient-lhs` certifier: train an LHS model (`lhs_model`) against a state's assemblage.

Party 0 (Alice) measures from the family and steers the last party (Bob, trusted). The loss is
the trace distance sum_a (1/2)||sigma^LHS_a - sigma^QM_a||_1 averaged over an independent test
batch of measurements (fixed seed `test_seed`, never used in training; a finite set is its own
test batch), so it lies in [0, 1]. The verdict is "unsteerable" (rigor "numerical") by the
calibrated rule of `session` (mean test loss below 1 % of the product model's loss, or
`--tolerance`), otherwise "inconclusive": a trained model that fails proves nothing.
Budgets (hidden states, order, steps) scale with the problem: `options.Budget`. A finite set
with at most MAX_STRATEGIES deterministic strategies (and no explicit --hidden) gets the exact
LHS form instead (`lhs_model.StrategyLhsModel`: one hidden state per strategy, fixed 0/1
responses, trained states and weights; `--strategies/--no-strategies` override).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from quantcorr.certifier import Certifier, Options, Result, Rigor, SteeringTarget, Target, Verdict
from quantcorr.errors import OptionError, ProblemTooLargeError, UnsupportedTargetError
from quantcorr.measurements import MeasurementSet, MeasurementSpace

from .options import Budget, GradientOptions

if TYPE_CHECKING:
    from quantcorr.threshold import ThresholdResult

MAX_PARAMETERS = 5 * 10**7  # model parameters (hidden x basis functions, context term included)
MAX_WORK = 2 * 10**9  # hidden x basis x batch x outcomes per step


def lhs_budget(measurements: MeasurementSet | MeasurementSpace, options: GradientOptions) -> Budget:
    if isinstance(measurements, MeasurementSet):
        e = measurements.elements
        projective = bool(np.allclose(e @ e, e, atol=1e-9))
        outcomes = int((np.trace(e, axis1=-2, axis2=-1).real > 1e-9).sum(-1).max())
        return Budget.resolve(options, True, measurements.dim, outcomes, e.shape[0], projective)
    return Budget.resolve(options, False, measurements.dim, projective=measurements.kind == "pvm")


MAX_STRATEGIES = 1024  # deterministic strategies of the exact finite-set form (`lhs_model.StrategyLhsModel`)


def strategy_count(measurements: MeasurementSet) -> int:
    """prod_x (outcomes of setting x): the deterministic strategies of a finite set."""
    return math.prod(int(n) for n in (np.trace(measurements.elements, axis1=-2, axis2=-1).real > 1e-9).sum(-1))


def use_strategies(measurements: MeasurementSet | MeasurementSpace, options: GradientOptions) -> int:
    """The number of deterministic strategies when the exact finite-set form is used, else 0
    (default: a finite set with at most MAX_STRATEGIES strategies and no explicit --hidden)."""
    if options.strategies is False:
        return 0
    if not isinstance(measurements, MeasurementSet):
        if options.strategies:
            raise OptionError("--strategies needs a finite measurement set (e.g. -m paulis), not a pvm/povm space")
        return 0
    k = strategy_count(measurements)
    if options.strategies is None:
        return k if k <= MAX_STRATEGIES and options.hidden is None else 0
    if options.hidden is not None:
        raise OptionError("--hidden does not apply with --strategies (one hidden state per deterministic strategy)")
    if k > MAX_STRATEGIES:
        raise ProblemTooLargeError(f"{k} deterministic strategies: above the limit of {MAX_STRATEGIES}; use fewer "
                                   "settings, or --no-strategies")
    return k


def check_size(n_basis: int, budget: Budget, batch: int, outcomes: int) -> None:
    """Refuse a model that cannot fit, with the size, the limit and what to change."""
    params = budget.hidden * n_basis * (1 + (n_basis if budget.context else 0))
    work = budget.hidden * n_basis * batch * outcomes * (n_basis if budget.context else 1)
    if params > MAX_PARAMETERS:
        raise ProblemTooLargeError(f"{params:.3g} model parameters ({budget.hidden} hidden x {n_basis} basis "
                                   f"functions{' x context' if budget.context else ''}): above the limit of "
                                   f"{MAX_PARAMETERS:.0e}; use a smaller --hidden or --order")
    if work > MAX_WORK:
        raise ProblemTooLargeError(f"{work:.3g} multiply-adds per step: above the limit of {MAX_WORK:.0e}; use a "
                                   "smaller --batch, --hidden or --order")


class LhsTask:
    """An LHS problem: the measurement family, the trusted dimension, the session (`ScanTask`)."""

    solver = "gradient-lhs"
    classical = "unsteerable"
    model_kind = "lhs-model"
    floor_factor = 3.0  # scan verdicts also need loss < 3 x the loss at v_min (`scan` docstring)
    max_factor = 3.0  # verdicts also need max test loss < 3 x tolerance (`session` docstring)

    def __init__(self, measurements: MeasurementSet | MeasurementSpace, d_b: int, options: GradientOptions,
                 family: Any = None):
        from .basis import orthonormal_transform
        from .lhs_model import MeasurementSampler
        from .session import Session, resolve_device

        self.measurements, self.d_b, self.options, self.family = measurements, d_b, options, family
        self.budget = lhs_budget(measurements, options)
        self.strategies = use_strategies(measurements, options)
        if self.strategies:  # one hidden state per strategy, no response functions
            self.budget = replace(self.budget, hidden=self.strategies, order=0, context=False)
        else:
            self.basis = orthonormal_transform(measurements, self.budget.order)
            outcomes = measurements.elements.shape[1] if isinstance(measurements, MeasurementSet) else \
                (measurements.dim if measurements.kind == "pvm" else measurements.dim**2)
            check_size(self.basis[1].shape[1], self.budget, options.batch, outcomes)
        device, dtype = resolve_device(options)
        self.session = Session(MeasurementSampler(measurements, dtype, device), self.budget, options, device,
                               max_factor=self.max_factor)
        self.dtype = dtype

    def new_model(self):
        import torch

        from .lhs_model import LhsModel, StrategyLhsModel

        b = self.budget
        if self.strategies:
            assert isinstance(self.measurements, MeasurementSet)
            model = StrategyLhsModel.for_set(self.measurements, self.d_b, self.options.seed)
            return model.to(device=self.session.device, dtype=self.dtype)
        gen = torch.Generator().manual_seed(self.options.seed)
        model = LhsModel(self.measurements.dim, self.d_b, b.hidden, b.order, self.basis[0].factors, self.basis[1],
                         gen, b.context)
        return model.to(device=self.session.device, dtype=self.dtype)

    def set_visibility(self, model, v: float) -> None:
        model.set_state(self.family.at(v))

    def save_model(self, model, path: str | Path, meta: dict[str, Any]) -> Path:
        from .lhs_model import save_model

        return save_model(model, path, meta)

    def model_meta(self) -> dict[str, Any]:
        b = self.budget
        return {"model": "lhs", "config": {"d_a": self.measurements.dim, "d_b": self.d_b, "hidden": b.hidden,
                                           "order": b.order, "context": b.context,
                                           "strategies": bool(self.strategies)}}


class GradientLhs(Certifier):
    """Gradient-trained LHS models for all PVMs, all POVMs or a finite set (REFERENCE.md s. 2)."""

    name = "gradient-lhs"
    questions = ("steering",)
    requires = ("torch",)
    rigor = Rigor.NUMERICAL.value
    description = "gradient-trained local-hidden-state model (Jia et al.; von Selzam & Marquardt)"
    Options = GradientOptions

    @classmethod
    def quick_options(cls) -> GradientOptions:
        return GradientOptions(steps=300, hidden=16, batch=64, test_batch=500, patience=100, points=5)

    def supports(self, target: Target) -> bool:
        return (isinstance(target, SteeringTarget) and target.state.n_parties == 2
                and isinstance(target.measurements, (MeasurementSet, MeasurementSpace)))

    def _certify(self, target: Target, options: Options) -> Result:
        from .session import Threads, certify_trained

        assert isinstance(target, SteeringTarget) and isinstance(options, GradientOptions)
        with Threads():
            task = LhsTask(target.measurements, target.state.dims[-1], options)
            model = task.new_model()
            model.set_state(target.state)
            b = task.budget
            what = (f"LHS model ({b.hidden} {'deterministic strategies' if task.strategies else 'hidden states'}"
                    f"{'' if task.strategies else f', order {b.order}'})")
            return certify_trained(task, model, options, solver=self.name, question="steering",
                                   verdict=Verdict.UNSTEERABLE, kind="lhs-model", what=what,
                                   describe={"state": target.state.describe(),
                                             "measurements": target.measurements.name})

    def critical_visibility(self, family: Any, measurements: Any = None,
                            options: Options | None = None) -> "ThresholdResult":
        from quantcorr.threshold import VisibilityFamily

        from .scan import scan_threshold
        from .session import Threads

        options = self.Options() if options is None else options
        assert isinstance(options, GradientOptions)
        if not isinstance(family, VisibilityFamily) or not isinstance(measurements, (MeasurementSet,
                                                                                      MeasurementSpace)):
            raise UnsupportedTargetError("gradient-lhs scans state families v*rho + (1-v)*I/D under one measurement "
                                         "family (--state with --measurements), not assemblage files")
        with Threads():
            task = LhsTask(measurements, family.base.dims[-1], options, family)
            return scan_threshold(task, family, options, family.describe(), measurements.name)
