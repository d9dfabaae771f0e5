"""A generic trainer: Adam with a plateau learning-rate schedule on a model with `loss(batch)`.

Nothing here is steering-specific: the model is any `nn.Module` with `loss(batch) -> scalar`
and batches come from `sample(n, rng)` (a fresh batch each step, drawn with a numpy Generator),
so the LHS and the LHV models share it. Features: a progress bar (tqdm; loss and steps/s; off
when stderr is not a terminal), early stop on a plateau, checkpoints (model, optimiser,
scheduler, numpy and torch RNG states, step, plateau tracker; written through `storage`, so
they are checksummed and read without unpickling code) and an exact resume: N steps straight
and N/2 + resume N/2 give bit-identical parameters on the same device.

Learning rate and stop rule (plateau schedule): the steps are cut into windows of `patience`
steps. A window *improves* when its mean training loss is below the best earlier window by at
least max(min_improvement * best, abs_improvement). After a window that does not improve, the
learning rate is divided by 4; after `max_drops` such drops (lr / 64 with the default 3), the
next window that does not improve ends the run. On top, the rate follows a cosine from lr to
lr * lr_final over the `steps` cap (which anneals short explicit budgets and hardly matters
for the automatic cap, far above where runs stop). With abs_improvement = tolerance / 20 the run
trains until the loss stops improving *relative to the verdict tolerance*, and `steps` is only a
cap. (A cosine alone, tied to the cap, kept the rate high in runs that stop early.)
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from quantcorr.errors import InputFileError

from . import storage


@dataclass
class TrainConfig:
    """steps: maximum number of steps; batch: measurements per step; lr: initial Adam rate;
    patience: steps per plateau window (module docstring: rate drops and stop rule);
    checkpoint: file written every `checkpoint_every` steps and at the end."""

    steps: int
    batch: int
    lr: float
    seed: int
    max_drops: int = 3
    lr_final: float = 0.01
    patience: int = 500
    min_improvement: float = 0.01
    abs_improvement: float = 0.0
    checkpoint: str | None = None
    checkpoint_every: int = 500
    resume: bool = False
    progress: bool = True
    description: str = "training"
    tag: str = ""  # identifies the run in the checkpoint (e.g. the visibility of a scan point)
    meta: dict[str, Any] = field(default_factory=dict)  # stored with checkpoints (e.g. the model config)

    def fingerprint(self) -> dict[str, Any]:
        """The settings a resumed run must share with the interrupted one."""
        keys = ("steps", "batch", "lr", "seed", "max_drops", "lr_final", "patience", "min_improvement",
                "abs_improvement", "tag")
        return {k: v for k, v in asdict(self).items() if k in keys}


@dataclass
class TrainLog:
    steps_run: int = 0
    steps_per_s: float = 0.0
    seconds: float = 0.0
    train_loss: float = float("nan")
    stopped_early: bool = False
    resumed_from: int = 0
    windows: list[float] = field(default_factory=list)


class Trainer:
    """Train `model` on batches from `sample(n, rng)` according to `config`."""

    def __init__(self, model: nn.Module, sample: Callable[[int, np.random.Generator], Any], config: TrainConfig):
        self.model, self.sample, self.config = model, sample, config
        self.rng = np.random.default_rng(config.seed)
        params = list(model.parameters())
        fused = all(p.device.type in ("cpu", "cuda") for p in params)  # one kernel per step: far less overhead
        self.opt = torch.optim.Adam(params, lr=config.lr, fused=fused)
        self.drops = 0
        self.step = 0
        self.log = TrainLog()
        self._best = float("inf")

    # -- checkpoints -------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        model = {k: t.detach().cpu() for k, t in self.model.state_dict().items()}
        return {"model": model, "opt": self.opt.state_dict(), "drops": self.drops,
                "np_rng": self.rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "step": self.step,
                "best": self._best, "log": asdict(self.log), "fingerprint": self.config.fingerprint(),
                "meta": self.config.meta}

    def save(self, path: str | Path) -> None:
        storage.save(path, "checkpoint", self.state())

    def load(self, path: str | Path) -> None:
        _, st = storage.load(path, "checkpoint")
        if st.get("fingerprint") != self.config.fingerprint():
            raise InputFileError(f"checkpoint {path} was written with other settings {st.get('fingerprint')}; "
                                 "use the same options to resume, or another --checkpoint")
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["opt"])
        self.drops = st["drops"]
        self.rng.bit_generator.state = st["np_rng"]
        torch.set_rng_state(st["torch_rng"])
        self.step, self._best = st["step"], st["best"]
        self.log = TrainLog(**st["log"])
        self.log.resumed_from = self.step

    # -- training ----------------------------------------------------------------------------
    def _progress(self):
        from tqdm.auto import tqdm

        on = self.config.progress and sys.stderr.isatty()
        return tqdm(total=self.config.steps, initial=self.step, desc=self.config.description, unit="step",
                    disable=not on, leave=False, dynamic_ncols=True)

    def fit(self) -> TrainLog:
        cfg = self.config
        if cfg.checkpoint and Path(cfg.checkpoint).exists():
            if not cfg.resume:
                raise InputFileError(f"checkpoint {cfg.checkpoint} exists (a run in progress); pass --resume to "
                                     "continue it, or remove it or choose another --checkpoint")
            self.load(cfg.checkpoint)
        start_step, start = self.step, time.perf_counter()
        window = []
        with self._progress() as bar:
            while self.step < cfg.steps and not self.log.stopped_early:
                for group in self.opt.param_groups:
                    group["lr"] = self.learning_rate()
                loss = self.model.loss(self.sample(cfg.batch, self.rng))
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()
                self.step += 1
                window.append(loss.detach())
                if self.step % cfg.patience == 0:
                    self._end_window(torch.stack(window).mean().item())
                    window = []
                if bar.disable is False and self.step % 25 == 0:
                    bar.set_postfix(loss=f"{loss.item():.3e}", refresh=False)
                    bar.update(25)
                if cfg.checkpoint and self.step % cfg.checkpoint_every == 0:
                    self.save(cfg.checkpoint)
        if window:
            self.log.train_loss = torch.stack(window).mean().item()
        self.log.seconds += time.perf_counter() - start
        self.log.steps_run = self.step
        done = self.step - start_step
        self.log.steps_per_s = done / max(time.perf_counter() - start, 1e-9) if done else self.log.steps_per_s
        if cfg.checkpoint:
            self.save(cfg.checkpoint)
        return self.log

    def learning_rate(self) -> float:
        """lr * 4^-drops * a cosine from 1 to lr_final over the `steps` cap (module docstring)."""
        cfg = self.config
        cosine = cfg.lr_final + (1 - cfg.lr_final) * 0.5 * (1 + math.cos(math.pi * self.step / max(cfg.steps, 1)))
        return cfg.lr * 0.25**self.drops * cosine

    def _end_window(self, mean: float) -> None:
        self.log.windows.append(mean)
        self.log.train_loss = mean
        cfg = self.config
        margin = max(cfg.min_improvement * self._best, cfg.abs_improvement)
        if not np.isfinite(self._best) or mean < self._best - margin:
            self._best = mean
        elif self.drops < cfg.max_drops:
            self.drops += 1
            self._best = min(self._best, mean)
        elif self.step < cfg.steps:  # a plateau in the last window is not an early stop
            self.log.stopped_early = True
