"""Gauge model: learn the radial gap between the closed-form NPA level-1 set and Q_level.

Every ray from white noise (the origin, interior to both sets) leaves Q_1 at lambda_1(x) x and
Q_level at lambda_level(x) x, with lambda_1 known in closed form (geometry.q1_scaling, exact
bisection on the arcsine criterion) and lambda_level <= lambda_1 (Q_level is inside Q_1). The
model predicts the gap r = log(lambda_1 / lambda_level) >= 0 as a function of the Q_1 boundary
point b = lambda_1(x) x of the ray, and the decision is

    score(x) = log lambda_1(x) - r_hat(b(x)) + BOUNDARY_TOL,    > 0: predicted in Q_level

(BOUNDARY_TOL = 1e-9 keeps boundary points such as the Tsirelson point, lambda_1 = 1 up to
rounding, in the closed set). With exact rules, local points score +inf and points outside NS or
Q_1 -inf first. A point is misclassified only when |r_hat - r| exceeds its relative distance to
the boundary: spread accuracy at sigma is the fraction of rays with |r_hat - r| < ~sigma.

What is exact and what is learned:
- r = 0 exactly on rays that are not geometry.open_rays (L reaches an NS facet first, so L, Q_level,
  Q_1 and NS share the exit) and on the zero-marginal slice (Q_1 = Q there: Tsirelson, Landau,
  Masanes). r_hat is set to 0 there, so every space-4 point and every zero-marginal behaviour
  (PR box or Tsirelson point with white noise) gets the exact TLM verdict.
- Elsewhere a network regresses r, trained on open rays only. With `symmetry` (the default) it
  sees canonical(b) (symmetry.py: the 128 relabellings of the scenario leave r invariant), is
  trained on random images under the 16-element stabiliser and averages over them when
  predicting, so r_hat is exactly invariant under all 128 symmetries.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from quantcorr.errors import DimensionError, OptionError

from .features import features
from .geometry import full_coordinates, known_labels, open_rays, q1_scaling
from .net import HIDDEN, Net, NetModel, _bar, pick_device
from .symmetry import STABILISER, canonical

FORMAT = "quantcorr-nn-gauge-1"
BOUNDARY_TOL = 1e-9
ZERO_MARGINALS = 1e-12


def learned_rays(b: np.ndarray) -> np.ndarray:
    """Rays (given by any point b on them, space 8) whose gap is not known exactly: open rays
    with a non-zero marginal."""
    return open_rays(b) & (np.abs(b[:, :4]).max(axis=1) > ZERO_MARGINALS)


def images(b: np.ndarray, symmetry: bool) -> np.ndarray:
    """(I, N, 8): the points the network sees for Q_1 boundary points b (space 8)."""
    if not symmetry:
        return b[None]
    return np.einsum("hij,nj->hni", STABILISER, canonical(b))


class GaugeModel(NetModel):
    kind = "gauge"
    format = FORMAT

    def gap(self, b: np.ndarray) -> np.ndarray:
        """r_hat at Q_1 boundary points b (space 4 or 8); exactly 0 where r is known to be 0."""
        b = full_coordinates(np.asarray(b, float))
        out = np.zeros(len(b))
        learn = learned_rays(b)
        if learn.any():
            imgs = images(b[learn], bool(self.meta.get("symmetry", False)))
            z = (features(imgs.reshape(-1, 8), self.features) - self.mean) / self.std
            with torch.no_grad():
                r = torch.nn.functional.softplus(self.net(torch.as_tensor(z, dtype=torch.float64))).numpy()
            out[learn] = float(self.meta["scale"]) * r.reshape(len(imgs), -1).mean(axis=0)
        return out

    def decision(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if x.ndim != 2 or x.shape[1] != self.space:
            raise DimensionError(f"this gauge model takes points with {self.space} coordinates, got shape {x.shape}")
        lam1 = q1_scaling(x)
        score = np.full(len(x), np.inf)
        todo = np.isfinite(lam1)
        if self.meta.get("exact_rules"):
            known, label = known_labels(x)
            score[known] = np.where(label[known], np.inf, -np.inf)
            todo &= ~known
        if todo.any():
            score[todo] = np.log(lam1[todo]) - self.gap(lam1[todo, None] * x[todo]) + BOUNDARY_TOL
        return score


def gap_targets(u: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Q_1 boundary points b, gaps r = log(lambda_1 / lambda*) clipped at 0) of the directions u
    whose gap is learned (learned_rays), in space-8 coordinates."""
    u = full_coordinates(np.asarray(u, float))
    lam1 = q1_scaling(u)
    ok = np.isfinite(lam1) & np.isfinite(lam) & (lam > 0) & learned_rays(u)
    return lam1[ok, None] * u[ok], np.maximum(np.log(lam1[ok] / lam[ok]), 0.0)


def train_gauge(u: np.ndarray, lam: np.ndarray, uv: np.ndarray, lamv: np.ndarray, spec: str, seed: int,
                meta: dict[str, Any], *, epochs: int = 300, batch: int = 256, lr: float = 3e-3, patience: int = 30,
                hidden: tuple[int, ...] = HIDDEN, symmetry: bool = True, scale: float = 1e-2, device: str = "cpu",
                progress: bool = False) -> tuple[GaugeModel, dict[str, Any]]:
    """Adam on the squared error of r_hat / scale with a cosine learning rate over `epochs`, one
    random stabiliser image per ray and epoch (with `symmetry`); keeps the epoch with the lowest
    validation error (prediction averaged over the images) and stops after `patience` epochs
    without progress."""
    if meta.get("space") == 4:
        raise OptionError("--model gauge: in space 4 the gap is identically 0 (Q_1 = Q on the zero-marginal slice), "
                          "so the closed form is exact and there is nothing to learn; use --space 8 data")
    b, r = gap_targets(u, lam)
    bv, rv = gap_targets(uv, lamv)
    if len(b) < 4 or not len(bv):
        raise OptionError(f"a gauge model needs boundary datasets (--sampler boundary or curved) with open directions "
                          f"(rays crossing a CHSH facet inside NS); these hold {len(b)} training and {len(bv)} "
                          f"validation ones")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    dev = pick_device(device)
    group = STABILISER if symmetry else np.eye(8)[None]
    c = canonical(b) if symmetry else b  # training points: random images group[pick] @ c per epoch
    imgs_v = images(bv, symmetry)
    f0 = features(images(b[rng.permutation(len(b))[:20000]], symmetry).reshape(-1, 8), spec)
    mean, std = f0.mean(axis=0), f0.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)

    def tensor(points: np.ndarray) -> torch.Tensor:
        return torch.as_tensor((features(points, spec) - mean) / std, dtype=torch.float32, device=dev)

    ty = torch.as_tensor(r / scale, dtype=torch.float32, device=dev)
    vx = tensor(imgs_v.reshape(-1, 8))
    vy = torch.as_tensor(rv / scale, dtype=torch.float32, device=dev)
    net = Net(f0.shape[1], hidden).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    best, best_state, stale, epoch = float("inf"), None, 0, 0
    t0 = time.perf_counter()
    bar = _bar(epochs, progress)
    for epoch in range(1, epochs + 1):
        pick = rng.integers(0, len(group), len(b))
        tx = tensor(np.einsum("nij,nj->ni", group[pick], c))
        net.train()
        for idx in torch.randperm(len(tx), generator=gen).to(dev).split(batch):
            opt.zero_grad()
            loss = (torch.nn.functional.softplus(net(tx[idx])) - ty[idx]).pow(2).mean()
            loss.backward()
            opt.step()
        sched.step()
        net.eval()
        with torch.no_grad():
            pv = torch.nn.functional.softplus(net(vx)).reshape(len(imgs_v), -1).mean(dim=0)
            vloss = (pv - vy).pow(2).mean().item()
        if vloss < best:
            best, stale = vloss, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            stale += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix(val_rmse=f"{scale * best ** 0.5:.2e}")
        if stale >= patience:
            break
    if bar is not None:
        bar.close()
    net.load_state_dict(best_state)
    model = GaugeModel(net, mean, std, {**meta, "features": spec, "scale": scale, "symmetry": symmetry})
    err = np.abs(model.gap(bv) - rv)
    info = {"epochs": epoch, "val_gap_rmse": float(np.sqrt((err ** 2).mean())),
            "val_gap_within_1e-3": float((err < 1e-3).mean()), "val_gap_within_1e-2": float((err < 1e-2).mean()),
            "val_gap_mean": float(rv.mean()), "fit_s": time.perf_counter() - t0, "directions": int(len(u)),
            "learned_directions": int(len(b)), "symmetry": symmetry, "hidden": list(hidden)}
    return model, info
