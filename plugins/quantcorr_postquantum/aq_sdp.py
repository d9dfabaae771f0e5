"""The almost-quantum SDPs in cvxpy, compiled once per scenario and re-solved with Parameters.

The complex moment matrix Gamma (see `moments`) is affine in the free blocks x (real and
imaginary parts of one d x d block per pair of adjoint free words) and in the data p (real and
imaginary parts of each marginal element); cvxpy receives its real embedding
[[Re G, -Im G], [Im G, Re G]] (PSD iff Gamma is). Two programs:

- "membership": max t s.t. Gamma(x; p) - t I >= 0. t >= 0 (up to tolerance) means almost-quantum;
  the dual Z >= 0 (tr Z = 1) satisfies tr(Z Gamma0(p)) = t*, so t* < 0 gives the functional.
- "visibility": max v <= 1 s.t. Gamma(x; p_noise + v (p_base - p_noise)) >= 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from .moments import Scenario
from .solver_chain import solve_in_turn

# SCS first: Clarabel's dense Hessian of a PSD cone of real side n costs O(n^6) per iteration and is
# already ~10x slower than SCS for n = 64 (Pauli settings, dB = 2). Clarabel is the fallback when SCS
# fails, and after an inaccurate SCS answer only for small cones (real side <= CLARABEL_SIDE): every
# answer is re-checked anyway (dual functional, primal moment matrix), so inaccuracy costs width.
CLARABEL_SIDE = 48
SCS_ITERS = 5000
SOLVER_ORDER = {"auto": ("SCS", "CLARABEL"), "clarabel": ("CLARABEL",), "scs": ("SCS",)}


def _entries(positions: np.ndarray, d: int, side: int, off: int, adjoint: bool):
    """COO pieces (rows, cols, vals) of the real embedding for blocks at `positions` whose
    entries are (re, im) = (y[off + i d + j], y[off + d^2 + i d + j]), or the adjoint block."""
    i, j = np.meshgrid(np.arange(d), np.arange(d), indexing="ij")
    i, j = i.ravel(), j.ravel()
    src = (j * d + i) if adjoint else (i * d + j)
    im_sign = -1.0 if adjoint else 1.0
    R = (positions[:, 0, None] * d + i).ravel()
    C = (positions[:, 1, None] * d + j).ravel()
    re_col = np.tile(off + src, len(positions))
    im_col = np.tile(off + d * d + src, len(positions))
    n2 = 2 * side

    def flat(r, c):
        return r + c * n2  # column-major index into the 2D x 2D matrix

    rows = np.concatenate([flat(R, C), flat(R + side, C + side), flat(R, C + side), flat(R + side, C)])
    cols = np.concatenate([re_col, re_col, im_col, im_col])
    ones = np.ones_like(R, dtype=float)
    vals = np.concatenate([ones, ones, -im_sign * ones, im_sign * ones])
    return rows, cols, vals


@lru_cache(maxsize=8)
def embedding(scen: Scenario) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(A_free, A_data): vec_F(real embedding of Gamma) = A_free @ x + A_data @ p."""
    d, side = scen.dim, scen.side
    k = 2 * d * d
    parts = {"free": ([], [], []), "data": ([], [], [])}
    for c, word in enumerate(scen.data_words):
        for lst, piece in zip(parts["data"], _entries(np.array(scen.classes[word]), d, side, c * k, False)):
            lst.append(piece)
    for c, (word, adj) in enumerate(scen.free_pairs):
        for w, flag in ((word, False), (adj, True)):
            for lst, piece in zip(parts["free"], _entries(np.array(scen.classes[w]), d, side, c * k, flag)):
                lst.append(piece)
    shape_rows = (2 * side) ** 2
    out = []
    for key, n_cols in (("free", len(scen.free_pairs) * k), ("data", len(scen.data_words) * k)):
        rows, cols, vals = (np.concatenate(p) if p else np.zeros(0) for p in parts[key])
        out.append(sp.csr_matrix((vals, (rows.astype(int), cols.astype(int))), shape=(shape_rows, n_cols)))
    return out[0], out[1]


def data_vector(marginals: np.ndarray) -> np.ndarray:
    """p: per data word, the real then imaginary parts of its block (C order)."""
    m = np.asarray(marginals)
    return np.concatenate([np.concatenate([b.real.ravel(), b.imag.ravel()]) for b in m]) if len(m) else np.zeros(0)


def complex_dual(Zr: np.ndarray, side: int) -> np.ndarray:
    """Hermitian Z with tr(Z Gamma) = <Zr, embedding(Gamma)> for every Hermitian Gamma."""
    Zr = 0.5 * (Zr + Zr.T)
    P, Q, S = Zr[:side, :side], Zr[:side, side:], Zr[side:, side:]
    return (P + S) + 1j * (Q.T - Q)


@dataclass
class Compiled:
    problem: cp.Problem
    params: dict[str, cp.Parameter]
    psd: cp.Constraint
    objective_var: cp.Variable
    x: cp.Variable | None


@lru_cache(maxsize=16)
def compiled(scen: Scenario, kind: str) -> Compiled:
    A_free, A_data = embedding(scen)
    n2 = 2 * scen.side
    x = cp.Variable(A_free.shape[1]) if A_free.shape[1] else None
    free = A_free @ x if x is not None else 0
    if kind == "membership":
        p = cp.Parameter(A_data.shape[1])
        t = cp.Variable()
        M = cp.reshape(free + A_data @ p, (n2, n2), order="F")
        psd = (M - t * np.eye(n2)) >> 0
        return Compiled(cp.Problem(cp.Maximize(t), [psd]), {"p": p}, psd, t, x)
    base, noise = cp.Parameter(A_data.shape[1]), cp.Parameter(A_data.shape[1])
    v = cp.Variable()
    M = cp.reshape(free + A_data @ noise + v * (A_data @ (base - noise)), (n2, n2), order="F")
    psd = M >> 0
    return Compiled(cp.Problem(cp.Maximize(v), [psd, v <= 1]), {"base": base, "noise": noise}, psd, v, x)


@dataclass
class SdpOutcome:
    status: str  # "optimal", "inaccurate", "infeasible", "failed"
    value: float | None
    Z: np.ndarray | None  # complex Hermitian dual of the PSD constraint
    attempts: list[str]
    x: np.ndarray | None = None  # primal free blocks


def solve(comp: Compiled, values: dict[str, np.ndarray], solver: str, tol: float, side: int) -> SdpOutcome:
    for name, val in values.items():
        comp.params[name].value = val
    attempts: list[str] = []
    fallback: SdpOutcome | None = None
    for status in solve_in_turn(comp.problem, SOLVER_ORDER[solver], tol, SCS_ITERS, attempts):
        if status in ("optimal", "optimal_inaccurate"):
            Zr = comp.psd.dual_value
            Z = None if Zr is None else complex_dual(np.asarray(Zr), side)
            x = np.zeros(0) if comp.x is None else np.asarray(comp.x.value, float)
            out = SdpOutcome("optimal" if status == "optimal" else "inaccurate", float(comp.objective_var.value),
                             Z, attempts, x)
            if status == "optimal" or 2 * side > CLARABEL_SIDE:
                return out
            fallback = fallback or out  # an inaccurate answer on a small cone: try the next solver
        elif status in ("infeasible", "infeasible_inaccurate"):
            return SdpOutcome("infeasible", None, None, attempts)
    return fallback or SdpOutcome("failed", None, None, attempts)


def least_eigenvalue(scen: Scenario, x: np.ndarray, marginals: np.ndarray) -> float:
    """lambda_min of the moment matrix with free blocks x and data blocks `marginals`, in numpy."""
    A_free, A_data = embedding(scen)
    n2 = 2 * scen.side
    vec = (A_free @ x if A_free.shape[1] else 0) + A_data @ data_vector(marginals)
    M = np.asarray(vec).reshape(n2, n2, order="F")
    return float(np.linalg.eigvalsh(0.5 * (M + M.T))[0])


def product_noise_blocks(scen: Scenario, noise_marginals: np.ndarray) -> np.ndarray | None:
    """Free blocks x_n of a classical moment matrix of a product noise assemblage
    sigma_n = p_1(a1|x1) .. p_n(an|xn) rho_B (outcomes independent and commuting, so
    P_{a|x} P_{b|y} -> p(a|x) p(b|y)); None if the noise is not of product form."""
    words = scen.data_words
    rho = noise_marginals[words.index((None,) * scen.n_parties)]
    prob: dict[tuple[int, tuple], float] = {}
    for word, block in zip(words, noise_marginals):
        named = [k for k, w in enumerate(word) if w is not None]
        if len(named) == 1:
            prob[(named[0], word[named[0]])] = float(np.trace(block).real)
    for word, block in zip(words, noise_marginals):
        q = np.prod([prob[(k, w)] for k, w in enumerate(word) if w is not None])
        if np.abs(block - q * rho).max() > 1e-12:
            return None
    out = []
    for word, _ in scen.free_pairs:
        q = 1.0
        for k, w in enumerate(word):
            for piece in ([] if w is None else ([w] if not isinstance(w[0], tuple) else list(w))):
                q *= prob[(k, piece)]
        out.append(np.concatenate([(q * rho).real.ravel(), (q * rho).imag.ravel()]))
    return np.concatenate(out) if out else np.zeros(0)
