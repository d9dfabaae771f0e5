"""The `gradient-lhv` certifier: train an LHV model (`lhv_model`) against a Bell scenario.

Targets. A `Behaviour` p(a,b|x,y) (finite settings, two parties), or a state with one
measurement family used by *every* party, the last one included (`--state S --measurements M`:
here nobody is trusted): `pvm` for n qubits (continuous: Bloch directions), or a finite
`MeasurementSet` (any dimension; the joint distribution is then a finite table). The verdict is
"local" (rigor "numerical") by the calibrated rule of `session`: mean test total variation
below 1 % of that of the product of the exact marginals (or `--tolerance`), else
"inconclusive" (a trained model that fails proves nothing). Threshold scans use the shared
`scan` and `fit` rule; finite tables can be cross-checked with `bell-lp` (the local-polytope LP).

Defaults scale with the parties (`lhv_budget`, `lhv_divergence`): qubit PVMs of n parties get
1024 * 4^(n-2) hidden variables, a 20000 * (n - 1) step cap and, from three parties on, the KL
training loss (AutoLHVs' choice; benchmarks/gradient_lhv.md). Training runs in float32 by default
(`--dtype float64` on request): the losses that decide verdicts are >= 1e-4, float32 rounding ~1e-7.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from quantcorr.certifier import Certifier, Options, Result, Rigor, SteeringTarget, Target, Verdict
from quantcorr.correlations import Behaviour
from quantcorr.errors import ProblemTooLargeError, UnsupportedTargetError
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.options import option

from .options import MAX_HIDDEN, Budget, TrainingOptions

if TYPE_CHECKING:
    from quantcorr.threshold import ThresholdResult

MAX_TABLE = 10**6  # entries of a finite joint distribution (settings x outcomes over all parties)
MAX_WORK = 2 * 10**9  # hidden x (per-party directions x basis + tuples x outcomes) per step


@dataclass
class LhvOptions(TrainingOptions):
    """gradient-lhv options."""

    divergence: Literal["tv", "kl"] | None = option(
        None, "training loss: total variation or KL(P_QM || P_model) (default: KL for qubit PVMs of three or "
              "more parties, else total variation; test losses and verdicts always use the total variation)")
    batch: int = option(256, "measurement tuples per step (a grid: batch^(1/n) fresh directions per party)",
                        ge=1, le=10**5)
    hidden: int | None = option(None, "hidden variables (default: 1024 x 4^(n-2) for qubit PVMs of n parties; for "
                                      "a finite table max(64, 2 x its entries) up to 1024)", ge=1, le=MAX_HIDDEN)
    order: int | None = option(None, "order D of the odd spherical harmonics of the qubit responses (default 5)",
                               ge=1, le=9)
    steps: int | None = option(None, "maximum training steps per visibility (default: 20000 x (n-1) for qubit PVMs "
                                     "of n parties, 5000 for a finite table; training stops earlier once the loss "
                                     "stops improving)", ge=1, le=10**7)
    dtype: Literal["float64", "float32"] = option("float32", "floating-point precision (float32: 1.5x faster; the "
                                                             "verdicts compare losses with tolerances >= 1e-4, "
                                                             "float32 rounding is ~1e-7)")


def lhv_budget(options: LhvOptions, table_size: int | None, n: int = 2) -> Budget:
    """Defaults: a finite table gets max(64, 2 * its size) hidden variables up to 1024 and 5000
    steps; qubit PVMs of n parties 1024 * 4^(n-2) hidden variables (4096 for three qubits: a
    three-party model at 1024 stalled at 2.7x the tolerance), order 5, a cap of 20000 * (n - 1)
    steps (plateau stop; three-qubit runs stopped after about 10000). Two parties: unchanged."""
    o = options
    if table_size is not None:
        hidden, steps, patience = max(64, min(2 * table_size, 1024)), 5000, 100
    else:
        hidden, steps, patience = min(1024 * 4 ** max(n - 2, 0), MAX_HIDDEN), 20000 * max(n - 1, 1), 500
    return Budget(steps=o.steps or steps, hidden=o.hidden or hidden, order=o.order if o.order is not None else 5,
                  patience=o.patience or patience, context=False)


def lhv_divergence(options: LhvOptions, table_size: int | None, n: int = 2) -> str:
    """The training loss: the option, else KL for qubit PVMs of three or more parties (as AutoLHVs;
    with total variation a 4096-hidden three-qubit model stalled at 1.1e-3 TV, with KL it reached
    2.9e-4), else total variation (two-party results unchanged)."""
    if options.divergence is not None:
        return options.divergence
    return "kl" if table_size is None and n >= 3 else "tv"


def _lhv_session(sampler: Any, budget: Budget, options: LhvOptions, device: Any) -> Any:
    """A `Session` whose plateau rule matches the training loss. With `--divergence kl` the
    training loss is a KL divergence, about 2 TV^2 near the optimum, so the plateau rule's
    absolute improvement threshold (tolerance / 20, on the TV scale) would end every run after a
    few windows: it gets tolerance^2 instead (the relative 1 % rule then decides)."""
    from .session import Session

    class _Session(Session):
        def train(self, model: Any, seed: int, tolerance: float, *args: Any, **kwargs: Any) -> Any:
            if getattr(model, "divergence", "tv") == "kl":
                tolerance = tolerance**2
            return super().train(model, seed, tolerance, *args, **kwargs)

    return _Session(sampler, budget, options, device)


class LhvTask:
    """One LHV problem (the `ScanTask` of `scan`): a base target and how to build the model."""

    solver = "gradient-lhv"
    classical = "local"
    model_kind = "lhv-model"

    def __init__(self, options: LhvOptions, n: int | None = None, sets: list[np.ndarray] | None = None,
                 dims: tuple[int, ...] | None = None,
                 table_shape: tuple[tuple[int, ...], tuple[int, ...]] | None = None, family: Any = None):
        import torch

        from .lhv_model import DirectionSampler, FullSampler
        from .session import resolve_device

        self.options, self.n, self.sets, self.dims, self.family = options, n, sets, dims, family
        self.table_shape = table_shape
        size = int(np.prod(table_shape[0]) * np.prod(table_shape[1])) if table_shape else None
        if size is not None and size > MAX_TABLE:
            raise ProblemTooLargeError(f"joint distribution of {size} entries: above the limit of {MAX_TABLE}; use "
                                       "fewer settings or parties")
        parties = len(table_shape[0]) if table_shape else (n or 2)
        self.budget = lhv_budget(options, size, parties)
        self.divergence = lhv_divergence(options, size, parties)
        device, self.dtype = resolve_device(options)
        if table_shape is None:
            sampler: Any = DirectionSampler(n, self.dtype, device)
            k = sampler.per_party(options.batch)
            work = self.budget.hidden * (n * k * 21 + (k + 1) ** n)
            if work > MAX_WORK or 2**n * k**n > 10**7:
                raise ProblemTooLargeError(f"{work:.3g} multiply-adds per step ({n} parties, {k} directions each): "
                                           f"above the limit of {MAX_WORK:.0e}; use a smaller --batch or --hidden")
        else:
            sampler = FullSampler()
        self.session = _lhv_session(sampler, self.budget, options, device)
        self._torch = torch

    def new_model(self):
        from .lhv_model import QubitLhvModel, TableLhvModel

        gen = self._torch.Generator().manual_seed(self.options.seed)
        b = self.budget
        if self.table_shape is None:
            model = QubitLhvModel(self.n, b.hidden, b.order, gen)
        else:
            model = TableLhvModel(self.table_shape[0], self.table_shape[1], b.hidden, gen)
        model.divergence = self.divergence
        return model.to(device=self.session.device, dtype=self.dtype)

    def set_target(self, model, target: Any) -> None:
        """`target`: a density matrix (with the task's dims/sets) or a `Behaviour`."""
        from .lhv_model import distribution_from_state

        if isinstance(target, Behaviour):
            model.set_distribution(np.asarray(target.p, dtype=float))  # p[x, y, a, b]
        elif self.table_shape is None:
            model.set_state(target)
        else:
            model.set_distribution(distribution_from_state(target, self.dims, self.sets))

    def set_visibility(self, model, v: float) -> None:
        t = self.family.at(v)
        self.set_target(model, t if isinstance(t, Behaviour) else t.rho)

    def save_model(self, model, path: str | Path, meta: dict[str, Any]) -> Path:
        from .lhv_model import save_lhv_model

        return save_lhv_model(model, path, meta)

    def model_meta(self) -> dict[str, Any]:
        b = self.budget
        if self.table_shape is None:
            config = {"kind": "qubit", "n": self.n, "hidden": b.hidden, "order": b.order}
        else:
            config = {"kind": "table", "settings": list(self.table_shape[0]), "outcomes": list(self.table_shape[1]),
                      "hidden": b.hidden}
        return {"model": "lhv", "config": config}


def task_for(target: Any, options: LhvOptions, family: Any = None) -> LhvTask:
    """The task of a target (or of a family's base with its measurements)."""
    if isinstance(target, Behaviour):
        return LhvTask(options, table_shape=(tuple(target.settings), tuple(target.outcomes)), family=family)
    state, meas = target
    limit = 8 if isinstance(meas, MeasurementSpace) else 6
    if state.n_parties > limit:
        raise ProblemTooLargeError(f"{state.n_parties} parties: above the limit of {limit} for gradient-lhv with "
                                   f"'{meas.name}'; use fewer parties")
    if isinstance(meas, MeasurementSpace):
        if meas.kind != "pvm" or any(d != 2 for d in state.dims):
            raise UnsupportedTargetError("gradient-lhv: continuous families only for qubit PVMs (--measurements pvm "
                                         "on a state of qubits); use a finite measurement set otherwise")
        return LhvTask(options, n=state.n_parties, family=family)
    if any(d != meas.dim for d in state.dims):
        raise UnsupportedTargetError(f"gradient-lhv: every party measures '{meas.name}' (dimension {meas.dim}), but "
                                     f"the state has dimensions {state.dims}")
    e = meas.elements
    n = state.n_parties
    return LhvTask(options, n=n, sets=[e] * n, dims=tuple(state.dims),
                   table_shape=((e.shape[0],) * n, (e.shape[1],) * n), family=family)


class GradientLhv(Certifier):
    """Gradient-trained LHV models (AutoLHVs-style) for Bell scenarios (REFERENCE.md section 7)."""

    name = "gradient-lhv"
    questions = ("bell",)
    requires = ("torch",)
    rigor = Rigor.NUMERICAL.value
    description = "gradient-trained local-hidden-variable model (von Selzam & Marquardt, AutoLHVs)"
    Options = LhvOptions

    @classmethod
    def quick_options(cls) -> LhvOptions:
        return LhvOptions(steps=300, hidden=64, batch=64, test_batch=400, patience=100, points=5)

    def supports(self, target: Target) -> bool:
        if isinstance(target, Behaviour):
            return True
        if not isinstance(target, SteeringTarget):
            return False
        m = target.measurements
        if isinstance(m, MeasurementSpace):  # continuous: qubit PVMs only
            return m.kind == "pvm" and all(d == 2 for d in target.state.dims)
        return isinstance(m, MeasurementSet) and all(d == m.dim for d in target.state.dims)

    def _certify(self, target: Target, options: Options) -> Result:
        from .session import Threads, certify_trained

        assert isinstance(options, LhvOptions)
        with Threads():
            if isinstance(target, Behaviour):
                task, base = task_for(target, options), target
            else:
                assert isinstance(target, SteeringTarget)
                task, base = task_for((target.state, target.measurements), options), target.state.rho
            model = task.new_model()
            task.set_target(model, base)
            return certify_trained(task, model, options, solver=self.name, question="bell", verdict=Verdict.LOCAL,
                                   kind="lhv-model", what=f"LHV model ({task.budget.hidden} hidden variables)",
                                   describe={"target": _describe(target), "divergence": task.divergence})

    def critical_visibility(self, family: Any, measurements: Any = None,
                            options: Options | None = None) -> "ThresholdResult":
        from quantcorr.threshold import TargetFamily, VisibilityFamily

        from .scan import scan_threshold
        from .session import Threads

        options = self.Options() if options is None else options
        assert isinstance(options, LhvOptions)
        with Threads():
            if isinstance(family, TargetFamily) and family.kind == "behaviour":
                task = task_for(family.base, options, family)
                label = "behaviour"
            elif isinstance(family, VisibilityFamily) and isinstance(measurements,
                                                                     (MeasurementSet, MeasurementSpace)):
                task = task_for((family.base, measurements), options, family)
                label = measurements.name
            else:
                raise UnsupportedTargetError("gradient-lhv scans behaviour families or state families with one "
                                             "measurement family for every party, not assemblages")
            return scan_threshold(task, family, options, family.describe(), label)


def _describe(target: Any) -> str:
    if isinstance(target, SteeringTarget):
        return f"{target.state.describe()} | {target.measurements.name} (every party)"
    return "behaviour"
