"""Steering-negativity SDPs with fixed measurements (cvxpy), compiled once per layout.

- "physical": rho~ = P - N on C^d1 (x) .. (x) C^dn (x) C^dB, P, N >= 0, with the known POVMs.
- "canonical": classical registers (`pseudo.register_measurements`); pinching the registers keeps
  P, N PSD, their traces and the assemblage, so rho~ = sum_i |i><i| (x) (P_i - N_i) loses nothing.

Both reproduce the data blocks (marginal elements, `moments.Scenario.data_words`), which fix a
no-signalling assemblage. kind "min": min tr N (an upper bound on the steering negativity since
the measurements are fixed); kind "visibility": max v <= 1 with N = 0 reproducing
noise + v (base - noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cvxpy as cp
import numpy as np

from .moments import Scenario
from .pseudo import register_response
from .solver_chain import solve_in_turn

SOLVER_ORDER = {"auto": ("CLARABEL", "SCS"), "clarabel": ("CLARABEL",), "scs": ("SCS",)}  # small cones here
SCS_ITERS = 10_000


def word_operators(scen: Scenario, measurements: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """Q_c = (x)_k (1 or M^k_{a|x}) for every data word c."""
    out = []
    for word in scen.data_words:
        q = np.ones((1, 1), complex)
        for k, w in enumerate(word):
            mk = measurements[k]
            q = np.kron(q, np.eye(mk.shape[-1]) if w is None else mk[w[0], w[1]])
        out.append(q)
    return out


def physical_map(scen: Scenario, measurements: tuple[np.ndarray, ...]) -> np.ndarray:
    """K with K @ vec_F(rho) = stacked vec_C of the data blocks tr_A[(Q_c (x) 1) rho]."""
    d = scen.dim
    Qs = word_operators(scen, measurements)
    dA = Qs[0].shape[0]
    D = dA * d
    rows = []
    for Q in Qs:
        # block[b, c] = sum_{r, s} Q[s, r] rho[(r, b), (s, c)]
        K = np.einsum("sr,bB,cC->bcrBsC", Q, np.eye(d), np.eye(d)).reshape(d * d, D, D)
        rows.append(K.transpose(0, 2, 1).reshape(d * d, D * D))  # F order: index i + j D
    return np.vstack(rows)


def canonical_response(scen: Scenario) -> np.ndarray:
    """F[c, i]: probability of data word c (a product of register outcomes, 1 for absent
    parties) in register state i."""
    f = register_response(scen.settings, scen.outcomes)  # (n_reg, x.., a..)
    out = np.zeros((len(scen.data_words), f.shape[0]))
    for c, word in enumerate(scen.data_words):
        idx = tuple(0 if w is None else w[0] for w in word) + tuple(slice(None) if w is None else w[1] for w in word)
        g = f[(slice(None),) + idx]
        absent = tuple(range(1, 1 + sum(w is None for w in word)))
        out[c] = g.sum(axis=absent) if absent else g
    return out


@dataclass
class Compiled:
    problem: cp.Problem
    params: dict[str, cp.Parameter]
    P: list
    N: list
    objective_var: cp.Expression


def _targets(kind: str, size: int):
    if kind == "min":
        p = cp.Parameter(size, complex=True)
        return {"p": p}, p, None
    base, noise = cp.Parameter(size, complex=True), cp.Parameter(size, complex=True)
    v = cp.Variable()
    return {"base": base, "noise": noise}, noise + v * (base - noise), v


@lru_cache(maxsize=8)
def compiled_physical(scen: Scenario, K_bytes: bytes, D: int, kind: str) -> Compiled:
    K = np.frombuffer(K_bytes, complex).reshape(-1, D * D)
    params, target, v = _targets(kind, K.shape[0])
    P = cp.Variable((D, D), hermitian=True)
    cons = [P >> 0]
    if kind == "min":
        N = cp.Variable((D, D), hermitian=True)
        cons += [N >> 0, K @ cp.vec(P - N, order="F") == target]
        return Compiled(cp.Problem(cp.Minimize(cp.real(cp.trace(N))), cons), params, [P], [N], cp.real(cp.trace(N)))
    cons += [K @ cp.vec(P, order="F") == target, v <= 1]
    return Compiled(cp.Problem(cp.Maximize(v), cons), params, [P], [], v)


@lru_cache(maxsize=8)
def compiled_canonical(scen: Scenario, kind: str) -> Compiled:
    F = canonical_response(scen)
    d, n_reg = scen.dim, F.shape[1]
    params, target, v = _targets(kind, F.shape[0] * d * d)
    P = [cp.Variable((d, d), hermitian=True) for _ in range(n_reg)]
    N = [cp.Variable((d, d), hermitian=True) for _ in range(n_reg)] if kind == "min" else []
    cons = [p >> 0 for p in P] + [m >> 0 for m in N]
    rho = cp.vstack([cp.vec(p, order="C") for p in P])  # (n_reg, d^2)
    if N:
        rho = rho - cp.vstack([cp.vec(m, order="C") for m in N])
    cons.append(cp.vec(F @ rho, order="C") == target)
    if kind == "min":
        obj = cp.real(sum(cp.trace(m) for m in N))
        return Compiled(cp.Problem(cp.Minimize(obj), cons), params, P, N, obj)
    cons.append(v <= 1)
    return Compiled(cp.Problem(cp.Maximize(v), cons), params, P, [], v)


def data_target(marginals: np.ndarray) -> np.ndarray:
    return np.asarray(marginals, complex).reshape(-1)


@dataclass
class NegOutcome:
    status: str
    value: float | None
    P: list[np.ndarray] | None
    attempts: list[str]


def solve(comp: Compiled, values: dict[str, np.ndarray], solver: str, tol: float) -> NegOutcome:
    for name, val in values.items():
        comp.params[name].value = val
    attempts: list[str] = []
    for status in solve_in_turn(comp.problem, SOLVER_ORDER[solver], tol, SCS_ITERS, attempts):
        if status in ("optimal", "optimal_inaccurate"):
            return NegOutcome("optimal" if status == "optimal" else "inaccurate", float(comp.objective_var.value),
                              [np.asarray(p.value) for p in comp.P], attempts)
        if status in ("infeasible", "infeasible_inaccurate"):
            return NegOutcome("infeasible", None, None, attempts)
    return NegOutcome("failed", None, None, attempts)
