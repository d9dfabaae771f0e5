"""A generic trainer: Adam + cosine learning-rate decay on a model with `loss(batch)`.

Nothing here is steering-specific: the model is any `nn.Module` with `loss(batch) -> scalar`
and batches come from `sample(n, rng)` (a fresh batch each step, drawn with a numpy Generator),
so an LHV (Bell) model can reuse it unchanged. Features: a progress bar (tqdm; loss and
steps/s; off when stderr is not a terminal), early stop on a plateau, atomic checkpoints
(model, optimiser, scheduler, numpy and torch RNG states, step, plateau tracker) and an exact
resume: N steps straight and N/2 + resume N/2 give bit-identical parameters on the same device.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from quantcorr.errors import InputFileError


@dataclass
class TrainConfig:
    """steps: maximum number of steps; batch: measurements per step; lr: initial Adam rate,
    decayed by a cosine to lr * lr_final; patience: steps per plateau window (the run stops
    early when a window's mean training loss is not `min_improvement` (relative) below the best
    earlier window); checkpoint: file written every `checkpoint_every` steps and at the end."""

    steps: int
    batch: int
    lr: float
    seed: int
    lr_final: float = 0.01
    patience: int = 500
    min_improvement: float = 0.01
    checkpoint: str | None = None
    checkpoint_every: int = 500
    resume: bool = False
    progress: bool = True
    description: str = "training"
    tag: str = ""  # identifies the run in the checkpoint (e.g. the visibility of a scan point)

    def fingerprint(self) -> dict[str, Any]:
        """The settings a resumed run must share with the interrupted one."""
        return {k: v for k, v in asdict(self).items() if k in ("steps", "batch", "lr", "seed", "lr_final",
                                                                "patience", "min_improvement", "tag")}


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
        self.opt = torch.optim.Adam(model.parameters(), lr=config.lr)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=max(config.steps, 1),
                                                                eta_min=config.lr * config.lr_final)
        self.step = 0
        self.log = TrainLog()
        self._best = float("inf")

    # -- checkpoints -------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "opt": self.opt.state_dict(), "sched": self.sched.state_dict(),
                "np_rng": self.rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "step": self.step,
                "best": self._best, "log": asdict(self.log), "fingerprint": self.config.fingerprint()}

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self.state(), tmp)
        os.replace(tmp, path)

    def load(self, path: str | Path) -> None:
        try:
            st = torch.load(Path(path), map_location="cpu", weights_only=False)
        except (OSError, RuntimeError, EOFError) as exc:
            raise InputFileError(f"cannot read checkpoint {path}: {exc}") from None
        if st.get("fingerprint") != self.config.fingerprint():
            raise InputFileError(f"checkpoint {path} was written with other settings {st.get('fingerprint')}; "
                                 "use the same options to resume, or another --checkpoint")
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["opt"])
        self.sched.load_state_dict(st["sched"])
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
        if cfg.resume and cfg.checkpoint and Path(cfg.checkpoint).is_file():
            self.load(cfg.checkpoint)
        start_step, start = self.step, time.perf_counter()
        window = []
        with self._progress() as bar:
            while self.step < cfg.steps and not self.log.stopped_early:
                loss = self.model.loss(self.sample(cfg.batch, self.rng))
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()
                self.sched.step()
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

    def _end_window(self, mean: float) -> None:
        self.log.windows.append(mean)
        self.log.train_loss = mean
        if mean < self._best * (1 - self.config.min_improvement):
            self._best = mean
        else:
            self.log.stopped_early = True
