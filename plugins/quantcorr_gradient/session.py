"""One training session, shared by gradient-lhs and gradient-lhv: device and dtype, the sampler
of training batches, the fixed test batch, the trainer call and the calibrated verdict.

A model (LHS or LHV) provides `loss(batch)`, `losses(batch)` (per measurement or measurement
tuple, in [0, 1]) and `product_losses(batch)`: the same loss for the product model with the
target's exact marginals (an LHS/LHV model with a single hidden variable).

Verdict rule (calibrated per problem). The classical verdict ("unsteerable" / "local", rigor
"numerical") is given when the mean test loss L is below
    tol = relative_tolerance * L_prod      (default relative_tolerance = 0.01)
where L_prod is the mean test loss of the product model, measured on the same test batch.
Why relative: the loss of the best classical model above the threshold rises with a slope that
is proportional to the strength of the correlations, and L_prod measures exactly that strength
(it is the loss of the trivial classical model; for Werner states under PVMs L_prod = v/2 and
the best LHS loss is (v - 1/2)/2 above v = 1/2). An absolute tolerance (the former 5e-3) is
far too loose for weakly correlated states: a two-qubit state with L_prod ~ 0.05 was called
unsteerable 0.02 above its threshold. With 1 % of L_prod, a model is accepted only when it
removes 99 % of the product model's error, so the verdict resolves the Werner threshold to
about 0.01 v. A target whose product model is already exact (L_prod < 1e-9, e.g. a product
state) gets the classical verdict with the product model. `--tolerance` sets an absolute
tolerance instead (an explicit override). A failed training proves nothing: the other verdict
is always "inconclusive".

Max rule (opt-in: `Session(..., max_factor=k)`; gradient-lhs uses k = 3, gradient-lhv none; off
under an explicit --tolerance): the classical verdict also needs the *largest* test loss below
k x tol. Why: a weakly steerable state steers through few measurements, so its mean loss above
the threshold is diluted by all the others while the worst measurement's loss is not. A random
two-qubit state at v = 0.925, above the certified polytope-lhs upper end 0.9246: mean 1.6e-3 <
tol 2.3e-3 (1 %), max 1.1e-2 = 5 tol. Below the threshold every scan of
benchmarks/gradient_lhs.md kept max < 2.3 tol (Werner POVMs; PVMs and finite sets < 1 tol).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from quantcorr.errors import SolverUnavailableError

from .options import Budget, TrainingOptions
from .trainer import TrainConfig, Trainer, TrainLog

EXACT_PRODUCT = 1e-9  # a product model this close is exact (the trace norm has a 1e-12 bias)
TEST_CHUNK = 4096


def resolve_device(options: TrainingOptions) -> tuple[torch.device, torch.dtype]:
    if options.device == "cuda" and not torch.cuda.is_available():
        raise SolverUnavailableError("--device cuda: no CUDA device is available to torch")
    use_cuda = options.device == "cuda" or (options.device == "auto" and torch.cuda.is_available())
    return torch.device("cuda" if use_cuda else "cpu"), (torch.float64 if options.dtype == "float64"
                                                         else torch.float32)


class Session:
    """Training and evaluation of models on batches from `sampler` (`sample(n, rng)` for
    training, `reference(n, seed)` for the test batch)."""

    def __init__(self, sampler: Any, budget: Budget, options: TrainingOptions, device: torch.device,
                 max_factor: float | None = None):
        self.sampler, self.budget, self.options, self.device = sampler, budget, options, device
        self.max_factor = max_factor  # the max rule of the module docstring (None: off)
        self.test = sampler.reference(options.test_batch, options.test_seed)

    def _chunks(self, fn: Callable[[Any], torch.Tensor]) -> torch.Tensor:
        test = self.test
        if isinstance(test, tuple):  # a structured batch (LHV direction grids, full setting tables)
            with torch.no_grad():
                return fn(test[0])
        if isinstance(test, torch.Tensor):
            with torch.no_grad():
                return torch.cat([fn(c) for c in torch.split(test, TEST_CHUNK)])
        with torch.no_grad():
            return fn(test)

    def tolerance(self, model: Any) -> tuple[float, float]:
        """(verdict tolerance, mean product-model loss) for the model's current target."""
        prod = self._chunks(model.product_losses).mean().item()
        if self.options.tolerance is not None:
            return self.options.tolerance, prod
        return self.options.relative_tolerance * prod, prod

    def evaluate(self, model: Any) -> tuple[float, float]:
        """(mean, max) test loss."""
        losses = self._chunks(model.losses)
        return losses.mean().item(), losses.max().item()

    def train(self, model: Any, seed: int, tolerance: float, checkpoint: str | None, resume: bool,
              tag: str = "", description: str = "training", meta: dict[str, Any] | None = None) -> TrainLog:
        b, o = self.budget, self.options
        cfg = TrainConfig(steps=b.steps, batch=o.batch, lr=o.lr, seed=seed, patience=b.patience,
                          abs_improvement=tolerance / 20, checkpoint=checkpoint, checkpoint_every=o.checkpoint_every,
                          resume=resume, progress=o.progress, description=description, tag=tag, meta=meta or {})
        return Trainer(model, self.sampler.sample, cfg).fit()

    def judge(self, mean: float, tolerance: float, product: float, worst: float | None = None) -> tuple[bool, str]:
        """(classical?, reason) by the module's rules (`worst`: the max test loss, for the max rule)."""
        if product < EXACT_PRODUCT:
            return True, f"the product model is exact (loss {product:.2g})"
        if mean >= tolerance:
            return False, f"mean test loss {mean:.3g} >= tolerance {tolerance:.3g}"
        k = self.max_factor
        if k is not None and worst is not None and self.options.tolerance is None and worst >= k * tolerance:
            return False, (f"mean test loss {mean:.3g} < tolerance {tolerance:.3g}, but max test loss {worst:.3g} >= "
                           f"{k:g} x tolerance")
        return True, f"mean test loss {mean:.3g} < tolerance {tolerance:.3g}"


def certify_trained(task: Any, model: Any, options: TrainingOptions, *, solver: str, question: str, verdict: Any,
                    kind: str, what: str, describe: dict[str, Any]) -> Any:
    """One point of gradient-lhs or gradient-lhv: train `model` (its target already set) against the
    calibrated tolerance, evaluate it on the test batch, judge it, save it (meta = `describe`, the
    losses and the options) and return the Result of `trained_result`."""
    from . import storage

    session = task.session
    tol, prod = session.tolerance(model)
    log = session.train(model, options.seed, tol, options.checkpoint, options.resume, description=solver,
                        meta=task.model_meta())
    mean, worst = session.evaluate(model)
    classical, reason = session.judge(mean, tol, prod, worst)
    meta = {**describe, "loss_mean": mean, "loss_max": worst, "loss_product": prod, "tolerance": tol,
            "steps_run": log.steps_run, "options": options.to_dict()}
    path = task.save_model(model, options.model or storage.default_model_path(solver), meta)
    return trained_result(solver, question, verdict, classical, reason, kind, what, model, path, log, task.budget,
                          (mean, worst, tol, prod), session.device)


def trained_result(solver: str, question: str, verdict: Any, claimed: bool, reason: str, kind: str, what: str,
                   model: Any, path: Any, log: TrainLog, budget: Budget, losses: tuple[float, float, float, float],
                   device: torch.device) -> Any:
    """The Result of one trained model, shared by gradient-lhs and gradient-lhv: `verdict`
    (unsteerable / local) with rigor "numerical" when `claimed`, else "inconclusive"; the
    certificate is the saved model file. `losses` = (mean, max, tolerance, product-model loss)."""
    from quantcorr.certifier import Certificate, Result, Rigor, Verdict

    mean, worst, tol, prod = losses
    cert = Certificate(kind, {**model.config(), "loss_mean": mean, "loss_max": worst, "tolerance": tol},
                       f"trained {what}; reload with `quantcorr verify`", str(path))
    msg = reason if claimed else f"{reason}: no {kind.split('-')[0].upper()} model found"
    if log.stopped_early:
        msg += f"; stopped early on a plateau after {log.steps_run} of {budget.steps} steps"
    return Result(solver, question, verdict if claimed else Verdict.INCONCLUSIVE, Rigor.NUMERICAL if claimed else None,
                  value=mean, quantities={"loss_mean": mean, "loss_max": worst, "loss_product": prod, "tolerance": tol,
                                          "steps_run": log.steps_run, "steps_per_s": round(log.steps_per_s, 1),
                                          "budget": budget.__dict__, "device": str(device)},
                  certificate=cert, message=msg)


class Threads:
    """Context manager setting torch's CPU thread count to the core's cap (`quantcorr --threads N`
    or $QUANTCORR_THREADS, default 1: fastest for these small tensors; 0 leaves torch alone)."""

    def __init__(self, n: int | None = None):
        from quantcorr.threads import configured_threads

        self.n, self.old = (configured_threads() if n is None else n), None

    def __enter__(self) -> None:
        if self.n > 0:
            self.old = torch.get_num_threads()
            torch.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        if self.old is not None:
            torch.set_num_threads(self.old)

