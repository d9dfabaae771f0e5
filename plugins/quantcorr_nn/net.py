"""Dense network classifier (torch): 64-16-4 ReLU layers and one logit, focal loss, early stopping.

One logit z with P(quantum) = sigmoid(z) is the same model as the paper's two-unit softmax
output (64-16-4-2). `convex=True` makes -z an input-convex network (first layer free, later
weights clamped non-negative after each step, ReLU), so the predicted quantum region {z > 0} is
convex in the standardised features; it is convex in the CHSH coordinates when the features are
linear in them ("raw", "chsh"), not with the nonlinear "tlm" terms.

Model files (.pt) hold only tensors, numbers and strings, are read with
torch.load(weights_only=True) and carry a sha256 checksum checked before use.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from quantcorr.errors import InputFileError, OptionError
from quantcorr.fileio import write_atomic

from .classifier import Classifier, checksum, verify_checksum
from .features import features

FORMAT = "quantcorr-nn-net-1"
HIDDEN = (64, 16, 4)


class Net(nn.Module):
    def __init__(self, n_in: int, hidden: tuple[int, ...] = HIDDEN, convex: bool = False):
        super().__init__()
        sizes = (n_in, *hidden, 1)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.convex = convex
        if convex:
            self.clamp()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        z = self.layers[-1](x).squeeze(-1)
        return -z if self.convex else z  # convex: the "not quantum" logit -z is convex

    @torch.no_grad()
    def clamp(self) -> None:
        for layer in self.layers[1:]:
            layer.weight.clamp_(min=0.0)


def focal_loss(z: torch.Tensor, t: torch.Tensor, alpha: float, gamma: float) -> torch.Tensor:
    """Mean focal loss -alpha_t (1 - p_t)^gamma log p_t, p = sigmoid(z) = P(quantum); alpha weighs
    the quantum class (label 1) and 1 - alpha the other (alpha = 0.5, gamma = 0: half the BCE)."""
    logp = torch.nn.functional.logsigmoid(z)
    log1mp = torch.nn.functional.logsigmoid(-z)
    logpt = torch.where(t > 0.5, logp, log1mp)
    at = torch.where(t > 0.5, torch.full_like(z, alpha), torch.full_like(z, 1 - alpha))
    return (-at * (1 - logpt.exp()).pow(gamma) * logpt).mean()


class NetModel(Classifier):
    kind = "nn"
    format = FORMAT

    def __init__(self, net: Net, mean: np.ndarray, std: np.ndarray, meta: dict[str, Any]):
        super().__init__(meta)
        self.net = net.to("cpu", torch.float64).eval()
        self.mean, self.std = mean, std

    def _scores(self, f: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.net(torch.as_tensor((f - self.mean) / self.std, dtype=torch.float64)).numpy()

    def _tensors(self) -> dict[str, torch.Tensor]:
        sd = {f"net.{k}": v.detach().cpu().to(torch.float64) for k, v in self.net.state_dict().items()}
        return {**sd, "mean": torch.as_tensor(self.mean, dtype=torch.float64),
                "std": torch.as_tensor(self.std, dtype=torch.float64)}

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        hidden = [layer.out_features for layer in self.net.layers[:-1]]
        meta_json = json.dumps({**self.meta, "format": self.format, "convex": self.net.convex,
                                "n_in": self.net.layers[0].in_features, "hidden": hidden}, sort_keys=True)
        tensors = self._tensors()
        digest = checksum(meta_json, {k: v.numpy() for k, v in tensors.items()})
        buf = io.BytesIO()
        torch.save({"format": self.format, "meta": meta_json, "tensors": tensors, "checksum": digest}, buf)
        return write_atomic(path, buf.getvalue())


def load_net(path: Path) -> NetModel:
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        meta_json, tensors, stored = blob["meta"], blob["tensors"], blob["checksum"]
        arrays = {k: v.numpy() for k, v in tensors.items()}
    except Exception as exc:  # torch raises many types on a damaged or crafted file
        raise InputFileError(f"cannot read nn model {path}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    meta = verify_checksum(path, meta_json, arrays, stored)
    from .gauge import FORMAT as GAUGE, GaugeModel

    if meta.get("format") not in (FORMAT, GAUGE):
        raise InputFileError(f"{path} is not a quantcorr nn model")
    try:
        net = Net(int(meta["n_in"]), tuple(int(h) for h in meta.get("hidden", HIDDEN)),
                  convex=bool(meta["convex"])).to(torch.float64)
        net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
    except (RuntimeError, TypeError, ValueError) as exc:
        raise InputFileError(f"{path}: network weights do not fit the architecture ({str(exc).splitlines()[0]})") from None
    cls = GaugeModel if meta["format"] == GAUGE else NetModel
    return cls(net, arrays["mean"], arrays["std"], meta)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise OptionError("--device cuda: no CUDA device is available (use cpu or auto)")
    return torch.device(name)


def train_net(x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray, spec: str, seed: int, meta: dict[str, Any],
              *, epochs: int = 300, batch: int = 256, lr: float = 3e-3, patience: int = 30, alpha: float = 0.5,
              gamma: float = 2.0, convex: bool = False, hidden: tuple[int, ...] = HIDDEN, device: str = "cpu",
              progress: bool = False) -> tuple[NetModel, dict[str, Any]]:
    """Adam on the focal loss; keeps the weights of the epoch with the lowest validation loss and
    stops after `patience` epochs without progress (the validation loss is a steadier criterion
    than the balanced accuracy of the few not-quantum validation points)."""
    torch.manual_seed(seed)
    dev = pick_device(device)
    f, fv = features(x, spec), features(xv, spec)
    mean, std = f.mean(axis=0), f.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    tx = torch.as_tensor((f - mean) / std, dtype=torch.float32, device=dev)
    ty = torch.as_tensor(y, dtype=torch.float32, device=dev)
    vx = torch.as_tensor((fv - mean) / std, dtype=torch.float32, device=dev)
    vy = torch.as_tensor(yv, dtype=torch.float32, device=dev)
    net = Net(f.shape[1], hidden, convex=convex).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=max(patience // 3, 1))
    gen = torch.Generator(device="cpu").manual_seed(seed)
    best, best_state, stale, epoch, best_bacc = float("inf"), None, 0, 0, 0.0
    t0 = time.perf_counter()
    bar = _bar(epochs, progress)
    for epoch in range(1, epochs + 1):
        net.train()
        for idx in torch.randperm(len(tx), generator=gen).to(dev).split(batch):
            opt.zero_grad()
            loss = focal_loss(net(tx[idx]), ty[idx], alpha, gamma)
            loss.backward()
            opt.step()
            if convex:
                net.clamp()
        net.eval()
        with torch.no_grad():
            zv = net(vx)
            vloss = focal_loss(zv, vy, alpha, gamma).item()
            pred = zv > 0
            recalls = [(pred[vy == c] == bool(c)).float().mean().item() for c in (0, 1) if (vy == c).any()]
        sched.step(vloss)
        if vloss < best:
            best, best_bacc, stale = vloss, float(np.mean(recalls)), 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            stale += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix(val_loss=f"{best:.3g}", val_bacc=f"{best_bacc:.4f}")
        if stale >= patience:
            break
    if bar is not None:
        bar.close()
    net.load_state_dict(best_state)
    info = {"epochs": epoch, "val_balanced_accuracy": best_bacc, "val_loss": best, "fit_s": time.perf_counter() - t0,
            "device": str(dev), "alpha": alpha, "gamma": gamma, "lr": lr, "batch": batch}
    return NetModel(net, mean, std, {**meta, "features": spec, **info}), info


def _bar(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="epoch", desc="learn train", leave=False)
