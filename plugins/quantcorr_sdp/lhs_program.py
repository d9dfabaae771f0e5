"""The conic programs of `sdp-lhs` over hidden-state coordinates, and their size limits.

Party 0..n-1 steer, the last party (Bob, dimension d) is trusted. Rows r = (x..., a...) of an
assemblage and the strategy matrix D are as in `sdp_core`. Variables: x = coordinates (d^2 each,
basis `sdp_core.herm_basis`) of the hidden states s_lambda, one per deterministic strategy, then
v for the critical-visibility program. Every s_lambda (and every row operator constrained to be
PSD) is a d x d PSD block; for a qubit Bob each block is the second-order cone Q^4
(`ConeProgram.uses_soc`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from quantcorr.errors import ProblemTooLargeError

from . import sdp_core as core

#: Largest number of deterministic strategies solved by default, per Bob dimension, measured on a
#: shared 2-core machine (benchmarks/performance.md): qubit Bob (second-order cones) 2^18 in
#: 134 CPU s; qutrit Bob (6 x 6 real PSD blocks) 3^7 = 2187 in 4 CPU s, while 3^8 = 6561 had not
#: finished after 4 CPU minutes. Larger Bob dimensions: MAX_STRATEGIES_PER_D2 / d^2 (untimed).
MAX_STRATEGIES = {2: 1 << 18, 3: 1 << 12}
MAX_STRATEGIES_PER_D2 = 1 << 15


def strategy_limit(d: int, override: int = 0) -> int:
    """The strategy limit for Bob's dimension d (`override` > 0 replaces it)."""
    if override > 0:
        return override
    return MAX_STRATEGIES.get(d, max(1, MAX_STRATEGIES_PER_D2 // (d * d)))


def check_size(n_parties: int, settings: tuple[int, ...], outcomes: tuple[int, ...], d: int,
               override: int = 0) -> int:
    """The number of deterministic strategies, or ProblemTooLargeError saying the count, the
    limit and what to change."""
    count = core.n_strategies(n_parties, settings, outcomes)
    limit = strategy_limit(d, override)
    if count > limit:
        what = " x ".join(f"{o}^{m}" for m, o in zip(settings, outcomes))
        raise ProblemTooLargeError(
            f"sdp-lhs: {count} deterministic strategies ({what}, Bob dimension {d}) are above the limit of "
            f"{limit} (about 10 minutes on a 2-core machine); use fewer settings or outcomes, polytope-lhs for "
            f"continuous families, or raise --max-strategies")
    return count


def rows(sigma: np.ndarray) -> np.ndarray:
    d = sigma.shape[-1]
    return sigma.reshape(-1, d, d)


def trace_vector(N: int, d: int) -> np.ndarray:
    """Coefficients of sum_lambda tr(s_lambda) on the hidden-state coordinates."""
    return np.tile(core.to_coords(np.eye(d)), N)


def hidden_states(sol: core.Solution, N: int, d: int) -> np.ndarray:
    """The solver's hidden states (N, d, d), projected onto the PSD cone."""
    return core.psd_part(core.from_coords(sol.x[: N * d * d].reshape(N, d * d), d))


def program(D: np.ndarray, d: int, kind: str, sigma: np.ndarray, sigma_noise: np.ndarray | None = None,
            independent: np.ndarray | None = None, soc: bool = True,
            rho_b: np.ndarray | None = None, v_max: float = 1.0) -> core.ConeProgram:
    """The programs over x = (coordinates of s_lambda, [v]).

    kind "robustness" (generalised robustness, Piani & Watrous 2015):
        min sum tr s  s.t. sum D s - sigma >= 0 row-wise, s >= 0.
    kind "consistent" (consistent robustness: the noise has sigma's own Bob marginal rho_B):
        the same with sum_lambda s_lambda = (sum tr s) rho_b.
    kind "weight" (Skrzypczyk, Navascues & Cavalcanti 2014):
        min -sum tr s s.t. sigma - sum D s >= 0 row-wise, s >= 0.
    kind "critical": min -v s.t. sum D s - v (sigma - sigma_noise) = sigma_noise on the
        `independent` rows (pivoted QR when not given; callers pass `sdp_core.closed_form_rows`),
        v <= v_max, s >= 0 (`sigma` is the base assemblage there; the arrays need not be PSD).
    """
    R, N = D.shape
    k = d * d
    trace = trace_vector(N, d)
    hidden = sp.identity(N * k, format="csr")
    s = core.to_coords(rows(sigma)).ravel()
    empty = sp.csr_matrix((0, N * k))
    if kind in ("robustness", "consistent", "weight"):
        sign = -1.0 if kind == "weight" else 1.0
        DI = sp.kron(sp.csr_matrix(D), sp.identity(k), format="csr")
        A_eq, b_eq = empty, np.zeros(0)
        if kind == "consistent":
            if rho_b is None:
                raise ValueError("the consistent robustness needs Bob's reduced state rho_b")
            A_eq = (sp.kron(np.ones((1, N)), sp.identity(k), format="csr")
                    - sp.csr_matrix(np.outer(core.to_coords(rho_b), trace)))
            b_eq = np.zeros(k)
        return core.ConeProgram(sign * trace, A_eq, b_eq, empty, np.zeros(0),
                                sp.vstack([hidden, sign * DI], format="csr"),
                                np.concatenate([np.zeros(N * k), -sign * s]), d, soc)
    ind = core.independent_rows(D) if independent is None else independent
    s0 = core.to_coords(rows(sigma_noise)).reshape(R, k)
    delta = s.reshape(R, k) - s0
    DI_ind = sp.kron(sp.csr_matrix(D[ind]), sp.identity(k), format="csr")
    A_eq = sp.hstack([DI_ind, sp.csr_matrix(-delta[ind].reshape(-1, 1))], format="csr")
    A_le = sp.csr_matrix(([1.0], ([0], [N * k])), shape=(1, N * k + 1))
    c = np.zeros(N * k + 1)
    c[-1] = -1.0
    return core.ConeProgram(c, A_eq, s0[ind].ravel(), A_le, np.array([v_max]),
                            sp.hstack([hidden, sp.csr_matrix((N * k, 1))], format="csr"), np.zeros(N * k), d, soc)

