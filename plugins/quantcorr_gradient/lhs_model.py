"""The local-hidden-state (LHS) model and the steering-specific data: target map and sampler.

Conventions: party 0 (Alice, dimension d_A) steers Bob (dimension d_B). Operators are carried as
real Gell-Mann coordinates (quantcorr.linalg). The model has `hidden` hidden variables lambda with
uniform weights, hidden states sigma_lambda = A A^dag / tr(A A^dag) (A complex d_B x d_B) and
response functions

    p(a|x, lambda) = softmax_a [ log tr M_a + f_lambda(rho_a) + F(rho_a)^T C_lambda s_x / m ],
    f_lambda(rho) = sum_k c_{lambda,k} F_k(rho),   s_x = (1/d_A) sum_b tr(M_b) F(rho_b),

where rho_a = M_a / tr M_a is the direction of element a, F = (B_1..B_m) the orthonormal basis of
`basis`, and s_x the POVM's *context*: its directions' features averaged with the weights
tr M_b (which sum to d_A). Every outcome uses the same function of (its element, the whole
measurement), so the model is invariant under relabelling outcomes; zero-padded outcomes
(M = 0) get probability exactly 0.
Why the log-trace term: with f constant the response is tr(M_a)/d, the exact model of a product
state, for every POVM; the elements of one POVM differ in trace while their directions carry the
physics, and a polynomial in raw coordinates cannot represent log tr M. Why the context term
(C_lambda starts at 0; on by default for POVMs, see `GradientOptions.context`): without it the
response to one element sees the rest of the POVM only through the normalisation, and for Werner
POVMs the loss then bent smoothly upwards from v ~ 0.4 whatever the order or the number of
hidden states. benchmarks/gradient_lhs.md records both ablations. For PVMs the log-trace term
vanishes (tr M_a = 1).
The LHS assemblage is sigma^LHS_{a|x} = mean_lambda p(a|x, lambda) sigma_lambda (total trace 1).
For a finite set with few deterministic strategies, `StrategyLhsModel` is the exact LHS form
instead (fixed 0/1 responses, one weighted hidden state per strategy); both share `LhsBase`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from quantcorr.errors import InputFileError, ValidationError
from quantcorr.linalg import bloch_projectors, gell_mann, to_gell_mann
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.states import State

from . import storage
from .basis import coordinate_scale, orthonormal_transform
from .losses import assemblage_loss

VALID = 1e-9  # an outcome whose element has trace below this is a zero-padded one


def legendre_table(x: torch.Tensor, order: int) -> torch.Tensor:
    """Normalised Legendre P_0..P_order of each coordinate, flattened: (..., n*(order+1))."""
    p = [torch.ones_like(x), x]
    for k in range(1, order):
        p.append(((2 * k + 1) * x * p[k] - k * p[k - 1]) / (k + 1))
    norms = torch.sqrt(2 * torch.arange(order + 1, dtype=x.dtype, device=x.device) + 1)
    return (torch.stack(p[: order + 1], -1) * norms).flatten(-2)


class LhsBase(nn.Module):
    """What every LHS model shares: Bob's side (hidden states sigma_lambda = A A^dag / tr, the
    target map of the state) and the losses; a subclass supplies `assemblage(g)` and `config()`."""

    def __init__(self, d_a: int, d_b: int, hidden: int, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.d_a, self.d_b, self.hidden = d_a, d_b, hidden
        self.register_buffer("gm_b_ri", torch.view_as_real(torch.tensor(gell_mann(d_b))))
        self.register_buffer("target_map", torch.zeros(d_a * d_a, d_b * d_b, dtype=torch.float64), persistent=False)
        self.a = nn.Parameter(torch.randn(hidden, d_b, d_b, 2, generator=generator, dtype=torch.float64))

    @property
    def gm_b(self) -> torch.Tensor:
        """Bob's Gell-Mann matrices (complex, in the model's precision)."""
        return torch.view_as_complex(self.gm_b_ri)

    def set_state(self, state: State) -> None:
        """Target map T with sigma^QM coordinates = g @ T, computed in torch from rho:
        T[mu] = coordinates of tr_A[(G_mu (x) 1) rho] / sqrt(2 d_A)."""
        da, db = self.d_a, self.d_b
        rho = torch.tensor(state.rho, device=self.gm_b.device).reshape(da, db, da, db)
        gm_a = torch.tensor(gell_mann(da), device=rho.device)
        x = torch.einsum("mkc,cjkl->mjl", gm_a, rho)  # tr_A[(G_mu (x) 1) rho]
        coords = math.sqrt(db / 2) * torch.einsum("nij,mji->mn", self.gm_b.to(rho.dtype), x).real
        self.target_map.copy_(coords / math.sqrt(2 * da))

    def hidden_states(self) -> torch.Tensor:
        """Coordinates of sigma_lambda: (hidden, d_B^2); each has g_0 = 1."""
        a = torch.view_as_complex(self.a)
        s = a @ a.conj().transpose(-1, -2)
        s = s / torch.diagonal(s, dim1=-2, dim2=-1).sum(-1).real[:, None, None]
        return math.sqrt(self.d_b / 2) * torch.einsum("mij,hji->hm", self.gm_b, s).real

    def assemblage(self, g: torch.Tensor) -> torch.Tensor:
        """sigma^LHS coordinates (n, outcomes, d_B^2) of the measurements with element coordinates g."""
        raise NotImplementedError

    def losses(self, g: torch.Tensor) -> torch.Tensor:
        """Per-measurement loss sum_a (1/2)||sigma^LHS_a - sigma^QM_a||_1, shape (n,)."""
        valid = (g[..., 0] > VALID).to(g.dtype)
        return assemblage_loss(self.assemblage(g), g @ self.target_map, valid, self.gm_b)

    def product_losses(self, g: torch.Tensor) -> torch.Tensor:
        """The loss of the product model sigma_{a|x} = tr(M_a rho_A) rho_B (one hidden state, the
        exact marginals), shape (n,): the scale of the calibrated verdict (`session`)."""
        valid = (g[..., 0] > VALID).to(g.dtype)
        target = g @ self.target_map
        product = target[..., :1] * target.sum(-2, keepdim=True)  # p(a|x) rho_B; coordinate 0 is the trace
        return assemblage_loss(product, target, valid, self.gm_b)

    def forward(self, g: torch.Tensor) -> torch.Tensor:
        return self.losses(g)

    def loss(self, g: torch.Tensor) -> torch.Tensor:
        """Mean loss over the batch (what `Trainer` minimises)."""
        return self.losses(g).mean()


class LhsModel(LhsBase):
    """LHS model with polynomial response functions (see the module docstring)."""

    def __init__(self, d_a: int, d_b: int, hidden: int, order: int, factors: np.ndarray, w: np.ndarray,
                 generator: torch.Generator | None = None, context: bool = True) -> None:
        super().__init__(d_a, d_b, hidden, generator)
        self.order = order
        n_basis = w.shape[1]
        self.register_buffer("scale", torch.as_tensor(coordinate_scale(d_a), dtype=torch.float64))
        self.register_buffer("factors", torch.as_tensor(factors, dtype=torch.long))
        self.register_buffer("w", torch.as_tensor(w, dtype=torch.float64))
        self.c = nn.Parameter(torch.randn(hidden, n_basis, generator=generator, dtype=torch.float64)
                              / math.sqrt(n_basis))
        self.ctx = nn.Parameter(torch.zeros(hidden, n_basis, n_basis, dtype=torch.float64)) if context else None
        odd = self._odd_projector() if d_a == 2 else (torch.zeros(0, dtype=torch.long),
                                                      torch.zeros(0, 0, dtype=torch.float64),
                                                      torch.zeros(n_basis, 0, dtype=torch.float64))
        for name, t in zip(("odd_rows", "odd_map", "odd"), odd):
            self.register_buffer(name, t, persistent=False)

    def _odd_projector(self) -> tuple[torch.Tensor, torch.Tensor]:
        """For a qubit PVM {P_n, P_-n} the logit difference is (F(n) - F(-n)) c. Under n -> -n a raw
        Legendre monomial changes sign iff its degree in the Bloch coordinates is odd, so
        F(n) - F(-n) = raw_odd(n) (2 W_odd): only the odd monomials are needed. Returns (rows of
        the odd monomials, P = 2 W_odd Q) with Q (n_basis, r) an orthonormal basis of the span of
        the differences, so that the logit difference is (raw_odd(n) P)(Q^T c), r = the number of
        odd spherical harmonics of degree <= D (21 for D = 5, against 36 basis functions)."""
        degree_in_bloch = (self.factors % (self.order + 1)) * (self.factors >= self.order + 1)
        odd_rows = torch.nonzero(degree_in_bloch.sum(1) % 2 == 1).flatten()
        n = np.random.default_rng(7).normal(size=(2048, 3))
        g = torch.as_tensor(to_gell_mann(bloch_projectors(n)), dtype=torch.float64)
        diff = (self.features(g[:, 0:1]) - self.features(g[:, 1:2]))[:, 0]
        _, sv, vt = torch.linalg.svd(diff, full_matrices=False)
        q = vt[sv > 1e-9 * sv[0]].T.contiguous()
        return odd_rows, 2 * self.w[odd_rows] @ q, q

    @classmethod
    def for_family(cls, measurements: MeasurementSet | MeasurementSpace, d_b: int, hidden: int, order: int,
                   seed: int, context: bool = True) -> "LhsModel":
        factors_w = orthonormal_transform(measurements, order)
        gen = torch.Generator().manual_seed(seed)
        return cls(measurements.dim, d_b, hidden, order, factors_w[0].factors, factors_w[1], gen, context)

    def config(self) -> dict[str, int]:
        return {"d_a": self.d_a, "d_b": self.d_b, "hidden": self.hidden, "order": self.order,
                "n_basis": int(self.w.shape[1]), "n_raw": int(self.w.shape[0]), "context": self.ctx is not None}

    def features(self, g: torch.Tensor) -> torch.Tensor:
        """Orthonormal basis functions B_m of the directions g / g_0 of elements with coordinates
        g: (n, outcomes, d_A^2) -> (n, outcomes, n_basis)."""
        direction = g / g[..., :1].clamp_min(VALID)
        table = legendre_table(direction / self.scale, self.order)
        raw = table.index_select(-1, self.factors.flatten()).unflatten(-1, self.factors.shape).prod(-1)
        return raw @ self.w

    def _is_qubit_pvm(self, g: torch.Tensor) -> bool:
        """Every measurement in g is a rank-one qubit PVM {P_n, P_-n} (the fast path applies)."""
        if self.ctx is not None or self.d_a != 2 or g.shape[-2] != 2 or self.odd.shape[1] == 0:
            return False
        tol = 1e-6 if g.dtype == torch.float32 else 1e-10
        return bool(((g[:, :, 0] - 1).abs().max() < tol) and ((g[:, 0, 1:] + g[:, 1, 1:]).abs().max() < tol)
                    and ((g[:, 0, 1:].square().sum(-1) - 1).abs().max() < 1e3 * tol))

    def binary_probability(self, g: torch.Tensor) -> torch.Tensor:
        """p(0|x, lambda) (n, hidden) for qubit PVMs: softmax over two outcomes = sigmoid of the logit
        difference, computed on the odd subspace (the same model, ~3x less work than `probabilities`)."""
        table = legendre_table(g[:, 0] / self.scale, self.order)  # trace 1: g is its own direction
        factors = self.factors[self.odd_rows]
        raw = table.index_select(-1, factors.flatten()).unflatten(-1, factors.shape).prod(-1)
        return torch.sigmoid((raw @ self.odd_map) @ (self.c @ self.odd).T)

    def probabilities(self, g: torch.Tensor) -> torch.Tensor:
        """p(a|x, lambda): (n, outcomes, hidden), zero on padded outcomes."""
        if self._is_qubit_pvm(g):
            p0 = self.binary_probability(g)
            return torch.stack((p0, 1 - p0), 1)
        trace = g[..., :1]
        valid = trace > VALID
        feats = self.features(g)
        logits = feats @ self.c.T + torch.log(trace.clamp_min(VALID))
        if self.ctx is not None:  # F(rho_a)^T C_lambda s_x with the POVM context s_x
            s = (feats * (trace * valid)).sum(-2) / self.d_a
            u = torch.einsum("hmk,nk->nhm", self.ctx, s) * (1.0 / self.ctx.shape[-1])  # the 1/m of the docstring
            logits = logits + torch.einsum("nam,nhm->nah", feats, u)
        return torch.softmax(logits.masked_fill(~valid, -math.inf), dim=-2)

    def assemblage(self, g: torch.Tensor) -> torch.Tensor:
        """sigma^LHS coordinates (n, outcomes, d_B^2)."""
        hs = self.hidden_states()
        if self._is_qubit_pvm(g):  # sigma_1 = mean hidden state - sigma_0
            s0 = self.binary_probability(g) @ hs / self.hidden
            return torch.stack((s0, hs.mean(0) - s0), 1)
        return self.probabilities(g) @ hs / self.hidden



def deterministic_strategies(valid: np.ndarray) -> np.ndarray:
    """All deterministic response tables D(a|x) of a finite set whose setting x has the outcomes
    `valid[x]` (bool, (settings, outcomes)): shape (prod_x #outcomes_x, settings, outcomes), 0/1."""
    choices = [np.flatnonzero(row) for row in valid]
    picks = np.stack(np.meshgrid(*choices, indexing="ij"), -1).reshape(-1, len(choices))  # (K, settings)
    table = np.zeros((len(picks), *valid.shape))
    np.put_along_axis(table, picks[..., None], 1.0, axis=-1)
    return table


class StrategyLhsModel(LhsBase):
    """The exact LHS form of a finite set with few deterministic strategies:

        sigma^LHS_{a|x} = sum_lambda D_lambda(a|x) pi_lambda sigma_lambda,

    one hidden state per deterministic strategy lambda (all prod_x o_x of them; D fixed, 0/1),
    weights pi = softmax(w) and normalised states sigma_lambda = A A^dag / tr. Every LHS
    assemblage of the set has this form (Fine's decomposition), so the model class is the whole
    LHS set and training only fits states and weights: sigma_lambda' = pi_lambda sigma_lambda is
    a convex problem (the same as the sdp-lhs SDP, with the trace distance as objective) in a
    smooth parametrisation. Why: with free soft responses (`LhsModel`) the Werner `cube` scan
    stalled on a line 0.496 (v - 0.551) above the threshold 0.5774 whatever the budget, against
    the optimum 0.5 (v - 0.5774) (benchmarks/gradient_lhs.md). Measurements are recognised by
    their element coordinates (`settings`); any other measurement is refused."""

    def __init__(self, d_b: int, settings: np.ndarray, table: np.ndarray,
                 generator: torch.Generator | None = None) -> None:
        super().__init__(int(round(math.sqrt(settings.shape[-1]))), d_b, table.shape[0], generator)
        self.register_buffer("settings", torch.as_tensor(settings, dtype=torch.float64))
        self.register_buffer("table", torch.as_tensor(table, dtype=torch.float64))
        self.logw = nn.Parameter(torch.zeros(table.shape[0], dtype=torch.float64))

    @classmethod
    def for_set(cls, measurements: MeasurementSet, d_b: int, seed: int) -> "StrategyLhsModel":
        g = to_gell_mann(measurements.elements)
        table = deterministic_strategies(g[..., 0] > VALID)
        return cls(d_b, g, table, torch.Generator().manual_seed(seed))

    def config(self) -> dict[str, Any]:
        return {"d_a": self.d_a, "d_b": self.d_b, "hidden": self.hidden, "order": 0, "context": False,
                "strategies": True, "settings": int(self.settings.shape[0])}

    def weights(self) -> torch.Tensor:
        """pi_lambda (hidden,), summing to 1."""
        return torch.softmax(self.logw, 0)

    def setting_index(self, g: torch.Tensor) -> torch.Tensor:
        """The setting x of each measurement in g (n, outcomes, d_A^2); refuses unknown ones."""
        if g.shape[1:] != self.settings.shape[1:]:
            raise ValidationError(f"this model covers a finite set of {self.settings.shape[0]} settings with "
                                  f"{self.settings.shape[1]} outcomes; got measurements of shape {tuple(g.shape[1:])}")
        dist = (g[:, None] - self.settings[None]).square().sum((-1, -2))
        best, index = dist.min(1)
        if bool((best > (1e-6 if g.dtype == torch.float32 else 1e-12)).any()):  # squared coordinate distance
            raise ValidationError("a measurement is not one of the settings of the finite set this model covers")
        return index

    def probabilities(self, g: torch.Tensor) -> torch.Tensor:
        """D_lambda(a|x) of the measurements in g: (n, outcomes, hidden), 0/1."""
        return self.table[:, self.setting_index(g)].permute(1, 2, 0)

    def assemblage(self, g: torch.Tensor) -> torch.Tensor:
        return self.probabilities(g) @ (self.weights()[:, None] * self.hidden_states())


class MeasurementSampler:
    """Batches of Gell-Mann coordinates (n, outcomes, d_A^2) of POVM elements.

    A finite set gives all its settings every time (no sampling). A space draws n fresh rank-one
    measurements with the same law as `MeasurementSpace.sample` (Haar PVMs; extremal POVMs
    S^{-1/2}|v_k><v_k|S^{-1/2} with d..d^2 outcomes), but in torch on the model's device, so
    CUDA training does not wait for the host. Each batch's torch generator is seeded from the numpy `rng`: the numpy
    state alone (kept in checkpoints) makes a resumed run exact. Batches depend on the device's
    generator, so CPU and CUDA runs see different (equally distributed) batches.
    `reference(n, seed)` draws with numpy instead: the same batch on every device (test batches).
    """

    def __init__(self, measurements: MeasurementSet | MeasurementSpace, dtype: torch.dtype, device: torch.device):
        self.measurements, self.dtype, self.device = measurements, dtype, device
        self._fixed = self._coords(measurements.elements) if isinstance(measurements, MeasurementSet) else None
        d = measurements.dim
        self._gm = torch.tensor(gell_mann(d), dtype=torch.complex128, device=device).to(self.complex_dtype)
        self._generator = torch.Generator(device=device)

    @property
    def complex_dtype(self) -> torch.dtype:
        return torch.complex128 if self.dtype == torch.float64 else torch.complex64

    def _coords(self, elements: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(to_gell_mann(elements), dtype=self.dtype, device=self.device)

    def reference(self, n: int, seed: int) -> torch.Tensor:
        """n measurements drawn with numpy from `seed` (identical on every device)."""
        if self._fixed is not None:
            return self._fixed
        return self._coords(self.measurements.sample(n, np.random.default_rng(seed)))

    def sample(self, n: int, rng: np.random.Generator) -> torch.Tensor:
        if self._fixed is not None:
            return self._fixed
        self._generator.manual_seed(int(rng.integers(2**62)))
        if self.measurements.kind == "pvm" and self.measurements.dim == 2:  # {P_u, P_-u}, u uniform on the sphere
            u = torch.randn(n, 3, dtype=self.dtype, device=self.device, generator=self._generator)
            u = u / u.norm(dim=-1, keepdim=True)
            one = torch.ones(n, 1, dtype=self.dtype, device=self.device)
            return torch.stack((torch.cat((one, u), -1), torch.cat((one, -u), -1)), 1)
        return self._rank_one_coords(self._vectors(n))

    def _vectors(self, n: int) -> torch.Tensor:
        """Vectors w (n, outcomes, d) with elements M_a = |w_a><w_a|."""
        d = self.measurements.dim
        if self.measurements.kind == "pvm":
            z = torch.randn(n, d, d, dtype=self.complex_dtype, device=self.device, generator=self._generator)
            return torch.linalg.qr(z).Q.transpose(-1, -2)  # rows: an orthonormal basis (column phases drop out)
        v = torch.randn(n, d * d, d, dtype=self.complex_dtype, device=self.device, generator=self._generator)
        used = torch.randint(d, d * d + 1, (n, 1), device=self.device, generator=self._generator)
        v = v * (torch.arange(d * d, device=self.device) < used)[..., None]
        evals, evecs = torch.linalg.eigh(torch.einsum("nai,naj->nij", v, v.conj()))
        s_inv_half = (evecs * evals.rsqrt().to(evecs.dtype)[:, None, :]) @ evecs.conj().transpose(-1, -2)
        return v @ s_inv_half.transpose(-1, -2)

    def _rank_one_coords(self, w: torch.Tensor) -> torch.Tensor:
        d = w.shape[-1]
        g = torch.einsum("nai,mij,naj->nam", w.conj(), self._gm, w).real
        return (math.sqrt(d / 2) * g).to(self.dtype)


def save_model(model: LhsBase, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write the model (config, float64 parameters, basis) as a checksummed `storage` file."""
    return storage.save_model(path, "lhs-model", model, meta)


def load_model(path: str | Path) -> tuple[LhsBase, dict[str, Any]]:
    """(model in float64 on the CPU, meta) from a model file or a gradient-lhs training checkpoint."""
    cfg, sd, meta = storage.load_model_blob(path, "lhs-model")
    try:
        if cfg.get("strategies"):
            model = StrategyLhsModel(cfg["d_b"], sd["settings"].numpy(), sd["table"].numpy())
        else:
            model = LhsModel(cfg["d_a"], cfg["d_b"], cfg["hidden"], cfg["order"], sd["factors"].numpy(),
                             sd["w"].numpy(), context=cfg["context"])
        model.load_state_dict({k: v.to(torch.float64) if v.is_floating_point() else v for k, v in sd.items()})
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise InputFileError(f"{path}: inconsistent gradient-lhs model ({type(exc).__name__}: {exc})") from None
    return model, meta
