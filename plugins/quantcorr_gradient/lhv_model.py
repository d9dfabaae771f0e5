"""Local-hidden-variable (LHV) models for Bell scenarios (REFERENCE.md section 7).

An LHV model has `hidden` equally weighted hidden variables lambda and one response function per
party; the joint distribution is P(a_1..a_n | x_1..x_n) = mean_lambda prod_i p_i(a_i | x_i, lambda).
Two kinds of measurement:

* `QubitLhvModel`: every party measures a qubit projectively along a Bloch direction u
  (outcome 0 <-> projector (I + u.sigma)/2). p_i(0 | u, lambda) = sigmoid(c_{i,lambda} . Y(u)) with
  Y the odd real polynomials of degree <= D on the sphere (orthonormal, i.e. the odd spherical
  harmonics, as in AutoLHVs): flipping u flips the outcome, as for the quantum PVM.
  The quantum side: rho = 2^-n sum T_{mu_1..mu_n} sigma_mu_1 (x) ... (x) sigma_mu_n, and
  P(a | u) = 2^-n sum_mu T_mu prod_i s_i^{mu_i} with s_i = (1, (-1)^{a_i} u_i).
  A training batch is a *grid*: k fresh Haar-random directions per party and all k^n tuples of
  them (k = ceil(batch^(1/n))), so the responses cost n k hidden evaluations instead of n k^n.
  The joint over the grid: for two parties one product P(0,0) = p_A p_B^T / H (the rest from the
  marginals); for three or more from the correlators mean_h prod_{i in S} m_i (m = 2 p(0) - 1,
  every subset S at once), (k+1)^n H multiply-adds instead of (2k)^n H.
* `TableLhvModel`: finitely many settings per party (a `Behaviour`, or a finite measurement set
  applied to a state); p_i(a | x, lambda) = softmax_a of free logits; every step uses every
  setting tuple (no sampling).

Loss per measurement tuple: the total variation (1/2) sum_a |P_model(a) - P_QM(a)| (in [0, 1]),
or, for training only (`--divergence kl`; the default for qubit PVMs of three or more parties),
KL(P_QM || P_model). Test losses and verdicts always
use the total variation. `product_losses` is the total variation of the product of the exact
marginals (an LHV model with one hidden variable): the scale of the calibrated verdict.
"""

from __future__ import annotations

import math
import string
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from quantcorr.errors import InputFileError

from . import storage
from .basis import odd_sphere_basis

PAULI = np.array([np.eye(2), [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)
LETTERS = string.ascii_lowercase


def correlation_tensor(rho: np.ndarray, n: int) -> np.ndarray:
    """T_{mu_1..mu_n} = tr(rho sigma_mu_1 (x) ... (x) sigma_mu_n), shape (4,)*n."""
    rows, cols, mus = LETTERS[:n], LETTERS[n:2 * n], LETTERS[2 * n:3 * n]
    spec = rows + cols + "," + ",".join(f"{m}{c}{r}" for m, c, r in zip(mus, cols, rows)) + "->" + mus
    return np.real(np.einsum(spec, rho.reshape((2,) * (2 * n)), *[PAULI] * n, optimize=True))


def correlation_tensor_np(rho: np.ndarray, n: int) -> np.ndarray:
    """Slow, obvious version of `correlation_tensor` (kept for tests): explicit Kronecker products."""
    out = np.zeros((4,) * n)
    for idx in np.ndindex(*(4,) * n):
        op = np.array([[1.0]])
        for k in idx:
            op = np.kron(op, PAULI[k])
        out[idx] = np.real(np.trace(rho @ op))
    return out


def _joint(q: list[torch.Tensor]) -> torch.Tensor:
    """mean_h prod_i q_i[..., a_i, h] for q_i (k_i, o_i, H) -> (k_1..k_n, o_1..o_n)."""
    n = len(q)
    ks, os_ = LETTERS[:n], LETTERS[n:2 * n]
    spec = ",".join(f"{k}{o}z" for k, o in zip(ks, os_)) + f"->{ks}{os_}"
    return torch.einsum(spec, *q) / q[0].shape[-1]


def _tv(model: torch.Tensor, target: torch.Tensor, n: int) -> torch.Tensor:
    """Per-tuple total variation: the last n axes are outcomes; flattened over the tuples."""
    return 0.5 * (model - target).abs().flatten(-n).sum(-1).flatten()


def _kl(model: torch.Tensor, target: torch.Tensor, n: int) -> torch.Tensor:
    return (torch.xlogy(target, target) - torch.xlogy(target, model.clamp_min(1e-15))).flatten(-n).sum(-1).flatten()


class _LhvBase(nn.Module):
    divergence = "tv"

    def joint(self, batch: Any) -> torch.Tensor:
        raise NotImplementedError

    def quantum(self, batch: Any) -> torch.Tensor:
        raise NotImplementedError

    def losses(self, batch: Any) -> torch.Tensor:
        return _tv(self.joint(batch), self.quantum(batch), self.n)

    def product_losses(self, batch: Any) -> torch.Tensor:
        q = self.quantum(batch)
        n = self.n
        prod = None
        for i in range(n):  # exact marginal of party i, broadcast back
            axes = tuple(j for j in range(2 * n) if j not in (i, n + i))
            m = q.sum(dim=tuple(a for a in axes if a >= n), keepdim=True)
            m = m.mean(dim=tuple(a for a in axes if a < n), keepdim=True)  # no-signalling: any other setting
            prod = m if prod is None else prod * m
        return _tv(prod.expand_as(q), q, n)

    def loss(self, batch: Any) -> torch.Tensor:
        div = _kl if self.divergence == "kl" else _tv
        return div(self.joint(batch), self.quantum(batch), self.n).mean()

    def forward(self, batch: Any) -> torch.Tensor:
        return self.losses(batch)


class QubitLhvModel(_LhvBase):
    """n qubits, projective measurements along Bloch directions (module docstring)."""

    def __init__(self, n: int, hidden: int, order: int, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.n, self.hidden, self.order = n, hidden, order
        factors, w = odd_sphere_basis(order)
        self.register_buffer("factors", torch.as_tensor(factors, dtype=torch.long))
        self.register_buffer("w", torch.as_tensor(w, dtype=torch.float64))
        r = w.shape[1]
        scale = 0.5 / math.sqrt(r)  # small: the initial model is close to the product of uniform marginals
        self.c = nn.Parameter(torch.randn(n, hidden, r, generator=generator, dtype=torch.float64) * scale)
        self.register_buffer("corr", torch.zeros((4,) * n, dtype=torch.float64), persistent=False)

    def config(self) -> dict[str, Any]:
        return {"kind": "qubit", "n": self.n, "hidden": self.hidden, "order": self.order}

    def set_state(self, rho: np.ndarray) -> None:
        self.corr.copy_(torch.as_tensor(correlation_tensor(rho, self.n)))

    def features(self, u: torch.Tensor) -> torch.Tensor:
        """Odd orthonormal polynomials Y(u): (..., 3) -> (..., r)."""
        p = [torch.ones_like(u), u]
        for k in range(1, self.order):
            p.append(((2 * k + 1) * u * p[k] - k * p[k - 1]) / (k + 1))
        norms = torch.sqrt(2 * torch.arange(self.order + 1, dtype=u.dtype, device=u.device) + 1)
        table = (torch.stack(p[: self.order + 1], -1) * norms).flatten(-2)
        raw = table.index_select(-1, self.factors.flatten()).unflatten(-1, self.factors.shape).prod(-1)
        return raw @ self.w

    def responses(self, u: torch.Tensor) -> list[torch.Tensor]:
        """[p_i(a | u, lambda)] each (k, 2, H) for directions u (n, k, 3)."""
        p0 = torch.sigmoid(torch.einsum("ikr,ihr->ikh", self.features(u), self.c))
        return [torch.stack((p0[i], 1 - p0[i]), 1) for i in range(self.n)]

    def joint(self, u: torch.Tensor) -> torch.Tensor:
        if self.n == 2:  # one product: P(0,0) = pA pB^T / H, the rest from the marginal means
            p0 = torch.sigmoid(torch.einsum("ikr,ihr->ikh", self.features(u), self.c))
            p00 = p0[0] @ p0[1].T / self.hidden
            ma, mb = p0[0].mean(-1)[:, None], p0[1].mean(-1)[None, :]
            p01, p10 = ma - p00, mb - p00
            return torch.stack((torch.stack((p00, p01), -1), torch.stack((p10, 1 - ma - mb + p00), -1)), -2)
        return self._joint_from_correlators(torch.sigmoid(torch.einsum("ikr,ihr->ikh", self.features(u), self.c)))

    def _joint_from_correlators(self, p0: torch.Tensor) -> torch.Tensor:
        """The joint (k,)*n + (2,)*n from p0 (n, k, H) via the correlators of m = 2 p0 - 1:
        C[j_1..j_n] = mean_h prod_i m~_i[j_i, h] with m~_i = (1, m_i(u_1..u_k)) (index 0: party i
        absent), then P(a | u) = 2^-n sum_j C[j] prod_i s_i[u_i, a_i, j_i] with s = 1 for j = 0 and
        (-1)^a delta_{u, j-1} otherwise (as `quantum`). Cost (k+1)^n H instead of (2k)^n H."""
        n, k, hidden = self.n, p0.shape[1], self.hidden
        m = torch.cat((torch.ones_like(p0[:, :1]), 2 * p0 - 1), 1)  # (n, k+1, H)
        acc = m[0]
        for i in range(1, n - 1):
            acc = (acc[:, None, :] * m[i][None]).flatten(0, 1)
        corr = (acc @ m[n - 1].T if n > 1 else acc.sum(-1)).reshape((k + 1,) * n) / hidden
        sign = torch.tensor([1.0, -1.0], dtype=p0.dtype, device=p0.device)
        s = torch.cat((torch.ones(k, 2, 1, dtype=p0.dtype, device=p0.device),
                       torch.eye(k, dtype=p0.dtype, device=p0.device)[:, None, :] * sign[None, :, None]), -1)
        ks, os_, js = LETTERS[:n], LETTERS[n:2 * n], LETTERS[2 * n:3 * n]
        spec = js + "," + ",".join(f"{a}{o}{j}" for a, o, j in zip(ks, os_, js)) + f"->{ks}{os_}"
        return torch.einsum(spec, corr, *[s] * n) / 2**n

    def quantum(self, u: torch.Tensor) -> torch.Tensor:
        one = torch.ones(u.shape[:-1] + (1,), dtype=u.dtype, device=u.device)
        s = torch.stack((torch.cat((one, u), -1), torch.cat((one, -u), -1)), -2)  # (n, k, 2, 4)
        n = self.n
        ks, os_, mus = LETTERS[:n], LETTERS[n:2 * n], LETTERS[2 * n:3 * n]
        spec = mus + "," + ",".join(f"{k}{o}{m}" for k, o, m in zip(ks, os_, mus)) + f"->{ks}{os_}"
        return torch.einsum(spec, self.corr.to(u.dtype), *[s[i] for i in range(n)]) / 2**n


class TableLhvModel(_LhvBase):
    """Finitely many settings per party: free response logits per (party, lambda, setting, outcome)."""

    def __init__(self, settings: tuple[int, ...], outcomes: tuple[int, ...], hidden: int,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.n, self.hidden = len(settings), hidden
        self.settings, self.outcomes = tuple(settings), tuple(outcomes)
        self.logits = nn.ParameterList(
            [nn.Parameter(2 * torch.randn(hidden, m, o, generator=generator, dtype=torch.float64))
             for m, o in zip(settings, outcomes)])
        self.register_buffer("target", torch.zeros(self.settings + self.outcomes, dtype=torch.float64),
                             persistent=False)

    def config(self) -> dict[str, Any]:
        return {"kind": "table", "settings": list(self.settings), "outcomes": list(self.outcomes),
                "hidden": self.hidden}

    def set_distribution(self, p: np.ndarray) -> None:
        """p[x_1..x_n, a_1..a_n], normalised over the outcomes of each setting tuple."""
        self.target.copy_(torch.as_tensor(np.array(p, dtype=float)))

    def joint(self, _batch: Any = None) -> torch.Tensor:
        return _joint([torch.softmax(lg, -1).permute(1, 2, 0) for lg in self.logits])

    def quantum(self, _batch: Any = None) -> torch.Tensor:
        return self.target.to(self.logits[0].dtype)


def distribution_from_state(rho: np.ndarray, dims: tuple[int, ...], sets: list[np.ndarray]) -> np.ndarray:
    """P[x_1..x_n, a_1..a_n] = tr(rho M^1_{a_1|x_1} (x) ... (x) M^n_{a_n|x_n}); sets[i] (m_i, o_i, d_i, d_i)."""
    n = len(dims)
    rows, cols = LETTERS[:n], LETTERS[n:2 * n]
    xs, os_ = LETTERS[2 * n:3 * n], LETTERS[3 * n:4 * n]
    spec = rows + cols + "," + ",".join(f"{x}{o}{c}{r}" for x, o, c, r in zip(xs, os_, cols, rows)) + "->" + xs + os_
    return np.real(np.einsum(spec, rho.reshape(tuple(dims) * 2), *sets, optimize=True))


class DirectionSampler:
    """Training and test batches for `QubitLhvModel`: directions (n, k, 3), k = ceil(batch^(1/n)).
    Training batches are drawn in torch from a generator seeded by the numpy rng (resumable);
    test batches with numpy (the same on every device)."""

    def __init__(self, n: int, dtype: torch.dtype, device: torch.device):
        self.n, self.dtype, self.device = n, dtype, device
        self._generator = torch.Generator(device=device)

    def per_party(self, batch: int) -> int:
        k = max(1, round(batch ** (1 / self.n)))
        return k if k**self.n >= batch else k + 1

    def sample(self, batch: int, rng: np.random.Generator) -> torch.Tensor:
        self._generator.manual_seed(int(rng.integers(2**62)))
        u = torch.randn(self.n, self.per_party(batch), 3, dtype=self.dtype, device=self.device,
                        generator=self._generator)
        return u / u.norm(dim=-1, keepdim=True)

    def reference(self, batch: int, seed: int) -> tuple[torch.Tensor]:
        u = np.random.default_rng(seed).normal(size=(self.n, self.per_party(batch), 3))
        u /= np.linalg.norm(u, axis=-1, keepdims=True)
        return (torch.as_tensor(u, dtype=self.dtype, device=self.device),)


class FullSampler:
    """`TableLhvModel` batches: every setting tuple, every step (nothing to sample)."""

    def sample(self, batch: int, rng: np.random.Generator) -> None:
        return None

    def reference(self, batch: int, seed: int) -> tuple[None]:
        return (None,)


def save_lhv_model(model: QubitLhvModel | TableLhvModel, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write the model (config, float64 parameters) as a checksummed `storage` file."""
    return storage.save_model(path, "lhv-model", model, meta)


def load_lhv_model(path: str | Path) -> tuple[QubitLhvModel | TableLhvModel, dict[str, Any]]:
    """(model in float64 on the CPU, meta) from a model file or a gradient-lhv training checkpoint."""
    cfg, sd, meta = storage.load_model_blob(path, "lhv-model")
    try:
        if cfg["kind"] == "qubit":
            model: QubitLhvModel | TableLhvModel = QubitLhvModel(cfg["n"], cfg["hidden"], cfg["order"])
        else:
            model = TableLhvModel(tuple(cfg["settings"]), tuple(cfg["outcomes"]), cfg["hidden"])
        model.load_state_dict(sd)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise InputFileError(f"{path}: inconsistent gradient-lhv model ({type(exc).__name__}: {exc})") from None
    return model, meta
