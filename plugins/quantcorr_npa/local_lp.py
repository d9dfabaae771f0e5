"""Local-polytope linear programs over deterministic strategies (scipy / HiGHS) and their checks.

A deterministic strategy (f, g) gives p[x, y, a, b] = [a = f(x)][b = g(y)]; its column of
`strategy_matrix` is that array raveled. The visibility LP

    max v  s.t.  D w = noise + v (p - noise),  w >= 0,  v_min <= v <= v_max

answers both membership (v* >= 1) and the critical visibility. Its equality multipliers c give
a Bell functional: on the dual side c . D_l >= 0 for every strategy l and c . (p - noise) = -1,
so I(q) = -c . q is at most 0 on the local polytope and equals 1 - v* at p. The claims are
never taken from the solver: `check_weights` re-checks a local decomposition, and
`inequality_check` recomputes the local bound by enumeration (`functionals.local_bound`) and
the value on the behaviour.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from quantcorr.errors import ProblemTooLargeError

from .functionals import local_bound

MAX_STRATEGIES = 2 ** 16
WEIGHT_TOL = 1e-8  # residual and negativity allowed in a re-checked local decomposition


def n_strategies(settings: tuple[int, int], outcomes: tuple[int, int]) -> int:
    return outcomes[0] ** settings[0] * outcomes[1] ** settings[1]


def check_size(settings: tuple[int, int], outcomes: tuple[int, int]) -> int:
    n = n_strategies(settings, outcomes)
    if n > MAX_STRATEGIES:
        raise ProblemTooLargeError(f"{n} deterministic strategies for settings {tuple(settings)} and outcomes "
                                   f"{tuple(outcomes)}: above the limit of {MAX_STRATEGIES}; use fewer settings "
                                   f"or outcomes")
    return n


def strategies(settings: tuple[int, int], outcomes: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(f, g): arrays (N, mA) and (N, mB) of outcomes, Alice's strategy slowest."""
    (ma, mb), (oa, ob) = settings, outcomes
    fa = (np.arange(oa ** ma)[:, None] // oa ** np.arange(ma)[None, :]) % oa
    fb = (np.arange(ob ** mb)[:, None] // ob ** np.arange(mb)[None, :]) % ob
    ia, ib = np.repeat(np.arange(len(fa)), len(fb)), np.tile(np.arange(len(fb)), len(fa))
    return fa[ia], fb[ib]


def strategy_matrix(settings: tuple[int, int], outcomes: tuple[int, int]) -> sp.csc_matrix:
    """D (mA mB oA oB, N) with D[(x, y, a, b), l] = [a = f_l(x)][b = g_l(y)]."""
    (ma, mb), (oa, ob) = settings, outcomes
    f, g = strategies(settings, outcomes)
    n = len(f)
    x, y = np.meshgrid(np.arange(ma), np.arange(mb), indexing="ij")
    x, y = x.ravel(), y.ravel()
    rows = ((x[None] * mb + y[None]) * oa + f[:, x]) * ob + g[:, y]  # (N, ma*mb)
    cols = np.repeat(np.arange(n), ma * mb)
    return sp.csc_matrix((np.ones(rows.size), (rows.ravel(), cols)), shape=(ma * mb * oa * ob, n))


def max_visibility(p: np.ndarray, noise: np.ndarray, v_min: float = 0.0,
                   v_max: float = 1.0) -> tuple[float | None, np.ndarray | None, np.ndarray | None, str]:
    """(v*, weights w, equality multipliers c, status message) of the visibility LP."""
    from scipy.optimize import linprog

    settings, outcomes = p.shape[:2], p.shape[2:]
    check_size(settings, outcomes)
    D = strategy_matrix(settings, outcomes)
    n = D.shape[1]
    A = sp.hstack([D, sp.csc_matrix(-(p - noise).reshape(-1, 1))], format="csc")
    cost = np.zeros(n + 1)
    cost[-1] = -1.0
    bounds = [(0, None)] * n + [(v_min, v_max)]
    res = linprog(cost, A_eq=A, b_eq=noise.ravel(), bounds=bounds, method="highs")
    if res.status != 0:
        return None, None, None, res.message
    marg = getattr(res.eqlin, "marginals", None)
    return float(res.x[-1]), res.x[:-1], None if marg is None else np.asarray(marg), res.message


def check_weights(p: np.ndarray, w: np.ndarray) -> tuple[bool, np.ndarray, float]:
    """Re-check a local decomposition: clip tiny negatives, renormalise, residual |D w - p|.
    (ok, cleaned weights, residual)."""
    settings, outcomes = p.shape[:2], p.shape[2:]
    if w.min() < -WEIGHT_TOL:
        return False, w, np.inf
    w = np.clip(w, 0.0, None)
    w = w / w.sum()
    residual = float(np.abs(strategy_matrix(settings, outcomes) @ w - p.ravel()).max())
    return residual <= WEIGHT_TOL, w, residual


def inequality_check(c: np.ndarray, p: np.ndarray) -> tuple[bool, float, float]:
    """(violated, value on p, exact local bound) of the Bell functional sum c q."""
    bound = local_bound(c)
    value = float((c * p).sum())
    scale = 1.0 + float(np.abs(c).sum())
    return value > bound + 1e-9 * scale, value, bound


def functional_from_multipliers(marg: np.ndarray, p: np.ndarray) -> np.ndarray | None:
    """The sign of the multipliers that is violated by p (as c[x, y, a, b]), normalised to
    max |c| = 1; None when neither sign is."""
    c = np.asarray(marg, float).reshape(p.shape)
    norm = float(np.abs(c).max())
    if not np.isfinite(norm) or norm == 0:
        return None
    for sign in (-1.0, 1.0):
        cand = sign * c / norm
        if inequality_check(cand, p)[0]:
            return cand
    return None
