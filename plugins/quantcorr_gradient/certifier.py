"""The `gradient-lhs` certifier: train an LHS model against a state's assemblage.

Verdict rule. The loss is the trace distance sum_a (1/2)||sigma^LHS_a - sigma^QM_a||_1 averaged
over an independent test batch of measurements (fixed seed `test_seed`, never used in training;
a finite set is its own test batch), so it lies in [0, 1]. The verdict is "unsteerable"
(rigor "numerical") when the mean test loss is below `tolerance` (default 5e-3), otherwise
"inconclusive": a trained model that fails proves nothing. Why 5e-3: the loss of the best LHS
approximation rises with slope ~1/2 above the threshold for the Werner family (it is
(v - 1/2)/2 for the depolarised model), so 5e-3 corresponds to a visibility resolution of
~0.01, while the maximally entangled two-qubit state stays at ~0.25, fifty times above it.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from quantcorr.certifier import Certificate, Certifier, Options, Result, Rigor, SteeringTarget, Target, Verdict
from quantcorr.errors import SolverUnavailableError
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.states import State

if TYPE_CHECKING:
    from quantcorr.threshold import ThresholdResult, VisibilityFamily

    from .model import LhsModel, MeasurementSampler
    from .trainer import TrainLog


def _opt(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass
class GradientOptions(Options):
    steps: int = _opt(3000, "maximum training steps (per visibility in a scan)")
    hidden: int = _opt(64, "number of hidden variables (hidden states)")
    order: int | None = _opt(None, "polynomial order D of the response functions (default 5 for qubits, 2 above)")
    context: bool | None = _opt(None, "response functions also see the whole POVM (a pairwise context term; "
                                      "default: on for POVMs, off for projective measurements)")
    batch: int = _opt(128, "measurements sampled per step (finite sets: all settings)")
    lr: float = _opt(0.02, "initial Adam learning rate (cosine decay to lr/100)")
    seed: int = _opt(0, "seed of the initial parameters and the training batches")
    device: Literal["cpu", "cuda", "auto"] = _opt("cpu", "cpu, cuda or auto (cuda when available)")
    dtype: Literal["float64", "float32"] = _opt("float64", "floating-point precision")
    checkpoint: str | None = _opt(None, "checkpoint file (a scan also writes CHECKPOINT.scan.pt)")
    resume: bool = _opt(False, "continue from --checkpoint if it exists")
    checkpoint_every: int = _opt(500, "steps between checkpoints")
    patience: int = _opt(500, "plateau window in steps: stop when a window does not improve the loss by 1%")
    test_batch: int = _opt(2000, "measurements in the independent test batch")
    test_seed: int = _opt(12345, "seed of the test batch (kept apart from training)")
    tolerance: float = _opt(5e-3, "mean test loss below which the verdict is 'unsteerable' (numerical)")
    model: str | None = _opt(None, "where to save the trained model (.pt); default: a new temp file")
    threads: int = _opt(1, "torch CPU threads (0: torch default); one is fastest for these small tensors")
    progress: bool = _opt(True, "progress bar (only when stderr is a terminal)")
    v_min: float | None = _opt(None, "threshold scan: smallest visibility, where the state is unsteerable "
                                     "(default: the family's window, else 0.25)")
    v_max: float | None = _opt(None, "threshold scan: largest visibility (default: the family's window, else 0.75)")
    points: int = _opt(11, "threshold scan: number of visibilities")
    warm_start: bool = _opt(True, "threshold scan: start each visibility from the previous model")

    def resolved_order(self, d: int) -> int:
        return self.order if self.order is not None else (5 if d == 2 else 2)

    def resolved_context(self, measurements: MeasurementSet | MeasurementSpace) -> bool:
        """The context term costs ~3x the step time and helps only when elements are not projectors."""
        if self.context is not None:
            return self.context
        if isinstance(measurements, MeasurementSpace):
            return measurements.kind == "povm"
        e = measurements.elements
        return not np.allclose(e @ e, e, atol=1e-9)


class Session:
    """Torch-side objects shared by `certify` and the threshold scan: device, dtype, sampler,
    the fixed test batch and the model factory."""

    def __init__(self, measurements: MeasurementSet | MeasurementSpace, d_b: int, options: GradientOptions):
        import torch

        from .model import MeasurementSampler

        if options.device == "cuda" and not torch.cuda.is_available():
            raise SolverUnavailableError("--device cuda: no CUDA device is available to torch")
        use_cuda = options.device == "cuda" or (options.device == "auto" and torch.cuda.is_available())
        self.device = torch.device("cuda" if use_cuda else "cpu")
        self.dtype = torch.float64 if options.dtype == "float64" else torch.float32
        self.measurements, self.d_b, self.options = measurements, d_b, options
        self.sampler: MeasurementSampler = MeasurementSampler(measurements, self.dtype, self.device)
        self.test = self.sampler.reference(options.test_batch, options.test_seed)

    def new_model(self) -> "LhsModel":
        from .model import LhsModel

        o = self.options
        model = LhsModel.for_family(self.measurements, self.d_b, o.hidden, o.resolved_order(self.measurements.dim),
                                    o.seed, o.resolved_context(self.measurements))
        return model.to(device=self.device, dtype=self.dtype)

    def train(self, model: "LhsModel", state: State, checkpoint: str | None, resume: bool, seed: int,
              tag: str = "", description: str = "gradient-lhs") -> tuple["TrainLog", float, float]:
        """Train on `state`; return (log, mean test loss, max test loss)."""
        from .trainer import TrainConfig, Trainer

        o = self.options
        model.set_state(state)
        cfg = TrainConfig(steps=o.steps, batch=o.batch, lr=o.lr, seed=seed, patience=o.patience,
                          checkpoint=checkpoint, checkpoint_every=o.checkpoint_every, resume=resume,
                          progress=o.progress, description=description, tag=tag)
        log = Trainer(model, self.sampler.sample, cfg).fit()
        mean, worst = self.evaluate(model)
        return log, mean, worst

    def evaluate(self, model: "LhsModel") -> tuple[float, float]:
        import torch

        with torch.no_grad():
            losses = torch.cat([model.losses(chunk) for chunk in torch.split(self.test, 4096)])
        return losses.mean().item(), losses.max().item()


class _Threads:
    """Context manager setting torch's CPU thread count (0 leaves it alone)."""

    def __init__(self, n: int):
        self.n, self.old = n, None

    def __enter__(self) -> None:
        import torch

        if self.n > 0:
            self.old = torch.get_num_threads()
            torch.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        import torch

        if self.old is not None:
            torch.set_num_threads(self.old)


def default_model_path() -> Path:
    return Path(tempfile.gettempdir()) / f"quantcorr-gradient-lhs-{uuid.uuid4().hex[:12]}.pt"


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
        return isinstance(target, SteeringTarget) and target.state.n_parties == 2

    def _certify(self, target: Target, options: Options) -> Result:
        from .model import save_model

        assert isinstance(target, SteeringTarget) and isinstance(options, GradientOptions)
        with _Threads(options.threads):
            session = Session(target.measurements, target.state.dims[-1], options)
            model = session.new_model()
            log, mean, worst = session.train(model, target.state, options.checkpoint, options.resume, options.seed)
        unsteerable = mean < options.tolerance
        meta = {"state": target.state.describe(), "measurements": target.measurements.name, "loss_mean": mean,
                "loss_max": worst, "tolerance": options.tolerance, "steps_run": log.steps_run,
                "options": options.to_dict()}
        path = save_model(model, options.model or default_model_path(), meta)
        cert = Certificate("lhs-model", {**model.config(), "loss_mean": mean, "loss_max": worst,
                                         "tolerance": options.tolerance},
                           f"trained LHS model ({options.hidden} hidden states, order "
                           f"{model.order}); reload with `quantcorr verify`", str(path))
        msg = (f"mean test loss {mean:.3g} < tolerance {options.tolerance:g}" if unsteerable else
               f"mean test loss {mean:.3g} >= tolerance {options.tolerance:g}: no LHS model found")
        if log.stopped_early:
            msg += f"; stopped early on a plateau after {log.steps_run} steps"
        return Result(self.name, "steering", Verdict.UNSTEERABLE if unsteerable else Verdict.INCONCLUSIVE,
                      Rigor.NUMERICAL if unsteerable else None, value=mean,
                      quantities={"loss_mean": mean, "loss_max": worst, "steps_run": log.steps_run,
                                  "steps_per_s": round(log.steps_per_s, 1), "device": str(session.device)},
                      certificate=cert, message=msg)

    def critical_visibility(self, family: "VisibilityFamily", measurements: MeasurementSet | MeasurementSpace,
                            options: Options | None = None) -> "ThresholdResult":
        from .scan import scan_threshold

        options = self.Options() if options is None else options
        assert isinstance(options, GradientOptions)
        with _Threads(options.threads):
            return scan_threshold(self.name, family, measurements, options)
