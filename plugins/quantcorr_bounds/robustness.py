"""LHS robustness nu of an assemblage as one SDP, with a certified lower bound from its dual.

Primal (hidden states A_lambda, B_lambda >= 0 over the deterministic strategies):
    nu = min sum_lambda tr B_lambda  s.t.  sum_lambda D[r, lambda] (A_lambda - B_lambda) = sigma_r,
i.e. sigma = (1 + nu) L_1 - nu L_2 with L_1, L_2 LHS. nu = 0 iff sigma is LHS (then A is an LHS
model). Dual: max sum_r tr(F_r sigma_r) s.t. -1 <= sum_r D[r, lambda] F_r <= 0; its optimal F is
re-checked exactly in `inequality` (the solver is not trusted for the reported bound).

The equality is imposed on a maximal set of linearly independent rows of D: for a no-signalling
assemblage the other rows follow (they are combinations of these, with the same combination of
the sigma rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from quantcorr.errors import ProblemTooLargeError
from quantcorr_sdp import sdp_core as core

from . import inequality as ineq

MAX_STRATEGIES = 4096
MAX_VARIABLES = 400_000


@dataclass
class Robustness:
    """Outcome of the robustness SDP. `nu_sdp` is the solver's value (None if not solved);
    `certificate` is the exact re-check of the normalised dual inequality (`inequality.check`);
    `hidden` (N, d, d) the PSD-projected A_lambda and `residual` the largest trace norm of
    sum D A - sigma (an LHS model when small)."""

    nu_sdp: float | None
    certificate: dict
    hidden: np.ndarray | None
    residual: float
    status: str
    n_strategies: int
    n_variables: int

    @property
    def nu_lower(self) -> float:
        return float(self.certificate.get("nu_lower", 0.0))


def check_size(settings: tuple[int, ...], outcomes: tuple[int, ...], d: int) -> int:
    """Number of strategies; raises ProblemTooLargeError when the SDP would be too large."""
    n = core.n_strategies(len(settings), settings, outcomes)
    what = " x ".join(f"{o}^{m}" for m, o in zip(settings, outcomes))
    if n > MAX_STRATEGIES:
        raise ProblemTooLargeError(f"{n:.0f} deterministic strategies ({what}): above the limit of "
                                   f"{MAX_STRATEGIES}; use fewer settings or outcomes")
    if 2 * n * d * d > MAX_VARIABLES:
        raise ProblemTooLargeError(f"robustness SDP with {2 * n * d * d} variables (2 x {n} hidden states of "
                                   f"dimension {d}): above the limit of {MAX_VARIABLES}; use fewer settings")
    return int(n)


def residual(D: np.ndarray, hidden: np.ndarray, sigma: np.ndarray) -> float:
    """Largest trace norm over rows of sum_lambda D[r, lambda] hidden_lambda - sigma_r."""
    d = sigma.shape[-1]
    diff = np.einsum("rn,nij->rij", D, hidden) - sigma.reshape(-1, d, d)
    diff = 0.5 * (diff + np.conj(np.swapaxes(diff, -1, -2)))
    return float(np.abs(np.linalg.eigvalsh(diff)).sum(-1).max())


def program(D: np.ndarray, sigma: np.ndarray) -> tuple[core.ConeProgram, np.ndarray]:
    """(the cone program over x = [coords of A, coords of B], independent rows used)."""
    d = sigma.shape[-1]
    k = d * d
    N = D.shape[1]
    ind = core.independent_rows(D)
    DI = sp.kron(sp.csr_matrix(D[ind]), sp.identity(k), format="csr")
    A_eq = sp.hstack([DI, -DI], format="csr")
    b_eq = core.to_coords(sigma.reshape(-1, d, d)[ind]).ravel()
    trace = np.tile(core.to_coords(np.eye(d)), N)
    c = np.concatenate([np.zeros(N * k), trace])
    empty = sp.csr_matrix((0, 2 * N * k))
    prog = core.ConeProgram(c, A_eq, b_eq, empty, np.zeros(0), sp.identity(2 * N * k, format="csr"),
                            np.zeros(2 * N * k), d)
    return prog, ind


def lhs_robustness(sigma: np.ndarray, n_parties: int, sdp_solver: str = "auto",
                   solver_tol: float = 1e-8) -> Robustness:
    """Solve the robustness SDP for sigma and re-check its dual inequality exactly."""
    settings, outcomes, d = core.shape_counts(sigma, n_parties)
    N = check_size(settings, outcomes, d)
    D, _ = core.strategy_matrix(n_parties, settings, outcomes)
    prog, ind = program(D, sigma)
    sol = core.solve(prog, sdp_solver, solver_tol)
    n_var = len(prog.c)
    if sol.x is None or sol.y_eq is None or sol.status in ("infeasible", "failed", "unbounded"):
        return Robustness(None, {"valid": False, "nu_lower": 0.0}, None, float("inf"),
                          f"{sol.status}: {sol.describe()}", N, n_var)
    k = d * d
    F = np.zeros((len(D), d, d), complex)
    F[ind] = -core.from_coords(sol.y_eq.reshape(-1, k), d)
    cert = ineq.certified_inequality(F.reshape(sigma.shape), sigma, n_parties, D)
    hidden = core.psd_part(core.from_coords(sol.x[: N * k].reshape(N, k), d))
    return Robustness(float(prog.c @ sol.x), cert, hidden, residual(D, hidden, sigma),
                      f"{sol.status} ({sol.describe()})", N, n_var)
