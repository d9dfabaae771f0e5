"""Gauge model: learn the radial gap between the closed-form NPA level-1 set and Q_level.

Every ray from white noise (the origin, interior to both sets) leaves Q_1 at lambda_1(x) x and
Q_level at lambda_level(x) x, with lambda_1 known in closed form (geometry.q1_scaling, exact
bisection on the arcsine criterion) and lambda_level <= lambda_1 (Q_level is inside Q_1). The
network regresses the gap r = log(lambda_1 / lambda_level) >= 0 as a function of the ray,
described by the features of its Q_1 boundary point b = lambda_1(x) x, from boundary datasets
(u, lambda*, both on curved and on NS-facet directions, where r = 0). The decision is

    score(x) = log lambda_1(x) - r_hat(b(x)),    > 0: predicted in Q_level,

(with exact rules, local points score +inf and points outside NS or Q_1 -inf first), so a point
is misclassified only when |r_hat - r| exceeds its relative distance to the boundary:
spread accuracy at sigma is the fraction of rays with |r_hat - r| < ~sigma. In space 4 r = 0
exactly (Q_1 = Q there) and the model only has to learn zero.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from quantcorr.errors import OptionError

from .features import features
from .geometry import known_labels, q1_scaling
from .net import Net, NetModel, _bar, pick_device

FORMAT = "quantcorr-nn-gauge-1"


class GaugeModel(NetModel):
    kind = "gauge"
    format = FORMAT

    def gap(self, b: np.ndarray) -> np.ndarray:
        """r_hat at Q_1 boundary points b."""
        z = (features(b, self.features) - self.mean) / self.std
        with torch.no_grad():
            out = torch.nn.functional.softplus(self.net(torch.as_tensor(z, dtype=torch.float64)))
        return float(self.meta["scale"]) * out.numpy()

    def decision(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if x.ndim != 2 or x.shape[1] != self.space:
            from quantcorr.errors import DimensionError

            raise DimensionError(f"this gauge model takes points with {self.space} coordinates, got shape {x.shape}")
        lam1 = q1_scaling(x)
        score = np.full(len(x), np.inf)
        todo = np.isfinite(lam1)
        if self.meta.get("exact_rules"):
            known, label = known_labels(x)
            score[known] = np.where(label[known], np.inf, -np.inf)
            todo &= ~known
        if todo.any():
            score[todo] = np.log(lam1[todo]) - self.gap(lam1[todo, None] * x[todo])
        return score


def gap_targets(u: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Q_1 boundary points b, gaps r = log(lambda_1 / lambda*) clipped at 0) of directions u."""
    lam1 = q1_scaling(u)
    ok = np.isfinite(lam1) & np.isfinite(lam) & (lam > 0)
    return lam1[ok, None] * u[ok], np.maximum(np.log(lam1[ok] / lam[ok]), 0.0)


def train_gauge(u: np.ndarray, lam: np.ndarray, uv: np.ndarray, lamv: np.ndarray, spec: str, seed: int,
                meta: dict[str, Any], *, epochs: int = 300, batch: int = 256, lr: float = 3e-3, patience: int = 30,
                scale: float = 1e-2, device: str = "cpu", progress: bool = False) -> tuple[GaugeModel, dict[str, Any]]:
    """Adam on the squared error of r_hat / scale; keeps the epoch with the lowest validation error."""
    if len(u) < 4 or len(uv) < 1:
        raise OptionError("a gauge model needs boundary datasets (--sampler boundary) with enough directions")
    torch.manual_seed(seed)
    dev = pick_device(device)
    b, r = gap_targets(u, lam)
    bv, rv = gap_targets(uv, lamv)
    f, fv = features(b, spec), features(bv, spec)
    mean, std = f.mean(axis=0), f.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    tx = torch.as_tensor((f - mean) / std, dtype=torch.float32, device=dev)
    ty = torch.as_tensor(r / scale, dtype=torch.float32, device=dev)
    vx = torch.as_tensor((fv - mean) / std, dtype=torch.float32, device=dev)
    vy = torch.as_tensor(rv / scale, dtype=torch.float32, device=dev)
    net = Net(f.shape[1]).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=max(patience // 3, 1))
    gen = torch.Generator(device="cpu").manual_seed(seed)
    best, best_state, stale, epoch = float("inf"), None, 0, 0
    t0 = time.perf_counter()
    bar = _bar(epochs, progress)
    for epoch in range(1, epochs + 1):
        net.train()
        for idx in torch.randperm(len(tx), generator=gen).to(dev).split(batch):
            opt.zero_grad()
            loss = (torch.nn.functional.softplus(net(tx[idx])) - ty[idx]).pow(2).mean()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            vloss = (torch.nn.functional.softplus(net(vx)) - vy).pow(2).mean().item()
        sched.step(vloss)
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
    model = GaugeModel(net, mean, std, {**meta, "features": spec, "scale": scale})
    err = np.abs(model.gap(bv) - rv)
    info = {"epochs": epoch, "val_gap_rmse": float(np.sqrt((err ** 2).mean())),
            "val_gap_within_1e-3": float((err < 1e-3).mean()), "val_gap_mean": float(rv.mean()),
            "fit_s": time.perf_counter() - t0, "directions": int(len(u))}
    return model, info
