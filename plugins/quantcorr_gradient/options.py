"""Options of the gradient solvers and what their automatic defaults resolve to.

`None` for `steps`, `hidden`, `order`, `patience` or `tolerance` means "chosen from the
problem" (see `Budget.resolve`); a number is an explicit override. Every field has a declared
range (`quantcorr.options.option`), so impossible values are refused before any work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quantcorr.errors import OptionError
from quantcorr.options import Options, option

MAX_HIDDEN = 65536
MAX_ORDER = 9


@dataclass
class TrainingOptions(Options):
    """Options shared by gradient-lhs and gradient-lhv (training, verdict, scan, files)."""

    steps: int | None = option(None, "maximum training steps per visibility (default: 20000 for pvm/povm, 5000 for "
                                     "a finite set; training stops earlier once the loss stops improving by "
                                     "tolerance/20 per window)", ge=1, le=10**7)
    hidden: int | None = option(None, "hidden variables (default: chosen from the problem, see `quantcorr solvers "
                                      "NAME`)", ge=1, le=MAX_HIDDEN)
    order: int | None = option(None, "polynomial order D of the response functions (default 5 for qubits, 2 above)",
                               ge=0, le=MAX_ORDER)
    batch: int = option(128, "measurements sampled per step (finite sets: all settings)", ge=1, le=10**5)
    lr: float = option(0.02, "initial Adam learning rate (divided by 4 at each plateau, at most 3 times; cosine "
                             "decay to lr/100 over --steps)", gt=0, le=10)
    seed: int = option(0, "seed of the initial parameters and the training batches", ge=0, le=2**62)
    device: Literal["cpu", "cuda", "auto"] = option("cpu", "cpu, cuda or auto (cuda when available)")
    dtype: Literal["float64", "float32"] = option("float64", "floating-point precision")
    checkpoint: str | None = option(None, "checkpoint file (a scan also writes CHECKPOINT.scan.pt)", path="inout")
    resume: bool = option(False, "continue from --checkpoint (needs --checkpoint)")
    checkpoint_every: int = option(500, "steps between checkpoints", ge=1, le=10**7)
    patience: int | None = option(None, "plateau window in steps (default 500; 100 for a finite set)",
                                  ge=10, le=10**6)
    test_batch: int = option(2000, "measurements in the independent test batch", ge=10, le=10**6)
    test_seed: int = option(12345, "seed of the test batch (kept apart from training)", ge=0, le=2**62)
    tolerance: float | None = option(None, "absolute loss tolerance of the verdict (overrides the calibrated "
                                           "default relative-tolerance x product-model loss)", gt=0, le=0.1)
    relative_tolerance: float = option(0.01, "calibrated verdict: classical when the test loss is below this "
                                             "fraction of the loss of the product model (exact marginals, one "
                                             "hidden variable)", gt=0, le=0.2)
    model: str | None = option(None, "where to save the trained model (.pt); default: the cache directory "
                                     "$QUANTCORR_CACHE or ~/.cache/quantcorr/models (the newest 20 are kept)",
                               path="out")
    progress: bool = option(True, "progress bar (only when stderr is a terminal)")
    v_min: float | None = option(None, "threshold scan: smallest visibility, where the target is classical "
                                       "(default: the family's window, else 0.25)", ge=0, le=1)
    v_max: float | None = option(None, "threshold scan: largest visibility (default: the family's window, "
                                       "else 0.75)", ge=0, le=1)
    points: int = option(11, "threshold scan: number of visibilities", ge=3, le=201)
    warm_start: bool = option(True, "threshold scan: start each visibility from the previous model")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.resume and not self.checkpoint:
            raise OptionError("--resume needs --checkpoint FILE (the file to resume from)")
        if self.v_min is not None and self.v_max is not None and self.v_min >= self.v_max:
            raise OptionError(f"--v-min must be below --v-max, got {self.v_min:g} >= {self.v_max:g}")


@dataclass
class GradientOptions(TrainingOptions):
    """gradient-lhs options."""

    hidden: int | None = option(None, "hidden states (default: 128 for qubits, 256 above; a finite set with at "
                                      "most 1024 deterministic strategies: one per strategy, the exact form of "
                                      "--strategies, which an explicit --hidden turns off; a larger set: 1024)",
                                ge=1, le=MAX_HIDDEN)
    context: bool | None = option(None, "response functions also see the whole POVM (a pairwise context term; "
                                        "default: on for POVMs, off for projective measurements)")
    strategies: bool | None = option(None, "finite sets: the exact LHS form, one hidden state per deterministic "
                                           "strategy with fixed 0/1 responses, training only states and weights "
                                           "(default: on when there are at most 1024 strategies and --hidden is "
                                           "not given)")


@dataclass(frozen=True)
class Budget:
    """The resolved training budget of one problem (the defaults of `GradientOptions`)."""

    steps: int
    hidden: int
    order: int
    patience: int
    context: bool

    @classmethod
    def resolve(cls, options: TrainingOptions, finite: bool, d: int, outcomes: int = 2, settings: int = 0,
                projective: bool = True) -> "Budget":
        """Defaults from the problem: a finite set needs at least its deterministic strategies as
        hidden variables where that is small (outcomes^settings, capped at 1024), a continuous family
        more hidden variables in higher dimension; order 5 for qubits, 2 above."""
        if finite:
            strategies = outcomes ** settings if settings * max(outcomes - 1, 1).bit_length() <= 20 else 2**20
            hidden, steps, patience = max(64, min(strategies, 1024)), 5000, 100
        else:
            hidden, steps, patience = (128 if d == 2 else 256), 20000, 500
        o = options
        return cls(steps=o.steps or steps, hidden=o.hidden or hidden,
                   order=o.order if o.order is not None else (5 if d == 2 else 2),
                   patience=o.patience or patience,
                   context=getattr(o, "context", None) if getattr(o, "context", None) is not None else not projective)
