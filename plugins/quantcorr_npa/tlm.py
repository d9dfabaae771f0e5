"""The Tsirelson-Landau-Masanes (TLM) criterion: exact quantum membership for CHSH correlators.

For the 2222 scenario with zero marginals, correlators E = (E00, E01, E10, E11) are quantum iff
|E_xy| <= 1 and, for every choice j of the term carrying the minus sign,
    | sum_i asin E_i - 2 asin E_j | <= pi
(Tsirelson 1987, Landau 1988, Masanes quant-ph/0309137); this is also NPA level 1 there.
"""

from __future__ import annotations

import numpy as np

ZERO_MARGINAL_TOL = 1e-9  # marginals this small count as zero (the validation tolerance is 1e-8)
TLM_TOL = 1e-9  # slack down to -TLM_TOL counts as satisfied (floating-point boundary points)


def tlm_slack(E: np.ndarray) -> np.ndarray:
    """pi - max_j |sum asin E - 2 asin E_j| for correlators E of shape (..., 4); -inf where some
    |E| > 1 + TLM_TOL."""
    E = np.asarray(E, float)
    bad = (np.abs(E) > 1 + TLM_TOL).any(axis=-1)
    s = np.arcsin(np.clip(E, -1, 1))
    worst = np.abs(s.sum(axis=-1, keepdims=True) - 2 * s).max(axis=-1)
    return np.where(bad, -np.inf, np.pi - worst)


def zero_marginals(coords: np.ndarray) -> bool:
    """Whether CHSH coordinates (8,) have marginals within ZERO_MARGINAL_TOL of zero."""
    return bool(np.abs(np.asarray(coords)[:4]).max() <= ZERO_MARGINAL_TOL)
