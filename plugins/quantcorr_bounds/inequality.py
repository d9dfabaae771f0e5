"""The exact (solver-independent) re-check of LHS-robustness inequalities. Strategies, values
and floating-point margins are `quantcorr_sdp.sdp_core`'s, shared with sdp-lhs.

Conventions: an assemblage of n steering parties has shape (m_1..m_n, o_1..o_n, dB, dB); its
rows r = (x_1..x_n, a_1..a_n) in C order list `sigma.reshape(-1, dB, dB)`. A deterministic
strategy lambda fixes every party's outcome for every setting; D[r, lambda] = 1 when lambda
gives the outcomes a of row r at the settings x of row r (product strategies for n > 1).

An inequality F (assemblage shape) has the *LHS range* [g_min, g_max]: the smallest and largest
eigenvalue of G_lambda = sum_r D[r, lambda] F_r over all strategies. Normalised so that
-1 <= G_lambda <= 1 for every lambda, its value sum_r tr(F_r sigma_r) is at most 1 + 2 nu, nu the
LHS robustness (least mu with sigma = (1 + mu) L_1 - mu L_2, L_1, L_2 LHS): by weak duality,
sum tr(F sigma) = sum_lambda tr(G_lambda (A_lambda - B_lambda)) <= tr A + tr B = 1 + 2 mu for any
such decomposition with hidden states A, B >= 0. So any F gives a certified lower bound on nu
once its range is recomputed here; the SDP only has to find a good F.
"""

from __future__ import annotations

import numpy as np
from quantcorr_sdp import sdp_core as core


def setting_identity(sigma_shape: tuple[int, ...], n_parties: int) -> np.ndarray:
    """E with E_r = I / (number of setting tuples): sum_r D[r, lambda] E_r = I for every lambda,
    and sum_r tr(E_r sigma_r) = 1 for every normalised assemblage."""
    settings = sigma_shape[:n_parties]
    d = sigma_shape[-1]
    return np.broadcast_to(np.eye(d) / np.prod(settings), sigma_shape).astype(complex)


def lhs_range(F: np.ndarray, n_parties: int, D: np.ndarray | None = None) -> tuple[float, float]:
    """(g_min, g_max): extreme eigenvalues of sum_r D[r, lambda] F_r over every strategy."""
    settings, outcomes, d = core.shape_counts(F, n_parties)
    if D is None:
        D, _ = core.strategy_matrix(n_parties, settings, outcomes)
    Fr = F.reshape(-1, d, d)
    Fr = 0.5 * (Fr + np.conj(np.swapaxes(Fr, -1, -2)))
    w = np.linalg.eigvalsh(np.einsum("rn,rij->nij", D, Fr))
    return float(w[:, 0].min()), float(w[:, -1].max())


def certified_inequality(F: np.ndarray, sigma: np.ndarray, n_parties: int,
                         D: np.ndarray | None = None) -> dict:
    """Rescale any inequality F to -1 <= G_lambda <= 1 (range recomputed exactly) and return
    {"F": normalised F, "lhs_min", "lhs_max" (exact, of the normalised F), "value" (1 + 2 nu
    bound), "margin", "nu_lower", "valid"} (see `check`)."""
    F = np.asarray(F, complex)
    g_min, g_max = lhs_range(F, n_parties, D)
    width = g_max - g_min
    if not np.isfinite(width) or width <= core.violation_margin(F):  # F is a multiple of E: proves nothing
        Fn = setting_identity(sigma.shape, n_parties).copy()
    else:
        Fn = (2.0 * F - (g_max + g_min) * setting_identity(sigma.shape, n_parties)) / width
    return check(Fn, sigma, n_parties, D)


def check(F: np.ndarray, sigma: np.ndarray, n_parties: int, D: np.ndarray | None = None,
          claimed_nu: float | None = None) -> dict:
    """Exact re-check of a normalised inequality F on sigma. `valid` is False when F is not of
    sigma's shape, not finite, its LHS range leaves [-1, 1] beyond the margin, or a claimed nu
    exceeds the recomputed bound (a forged or perturbed certificate).

    nu_lower = (value - g_max tr(E sigma) - 2 margin) / (g_max - g_min + 2 margin), clipped at 0:
    F' = (F - g_max E) / (g_max - g_min) has range [-1, 0], so for any decomposition sigma =
    sum_lambda D (A_lambda - B_lambda), sum tr(F' sigma) = sum tr(G'_lambda (A - B)) <= sum tr B
    (weak duality; no normalisation of sigma is assumed, tr(E sigma) is computed), with every
    floating-point quantity moved by the margin against the bound. For a normalised F and
    assemblage this is (value - 1) / 2 up to the margin."""
    F = np.asarray(F, complex)
    bad = {"F": F, "valid": False, "nu_lower": 0.0}
    if F.shape != sigma.shape or not np.all(np.isfinite(F)):
        return bad
    g_min, g_max = lhs_range(F, n_parties, D)
    eps = core.violation_margin(F)
    val = core.inequality_value(F, sigma)
    t_e = core.inequality_value(setting_identity(sigma.shape, n_parties), sigma)  # 1 up to the assemblage's validation
    nu = max(0.0, (val - g_max * t_e - 2.0 * eps) / max(g_max - g_min + 2.0 * eps, eps))
    valid = g_min >= -1.0 - eps and g_max <= 1.0 + eps
    if claimed_nu is not None and claimed_nu > nu + eps:
        valid = False
    return {"F": F, "lhs_min": g_min, "lhs_max": g_max, "value": val, "margin": eps,
            "nu_lower": nu if valid else 0.0, "valid": bool(valid)}
