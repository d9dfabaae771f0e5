"""The 2^m-strategy SDP for the polytope lower bound (small m): every LHS model, not only those
with hidden states from a fixed set.

Party 0 (Alice, qubit) steers Bob (trusted, dimension dB). Given the two-outcome assemblage
target(v) = t0 + v (t1 - t0) of shape (m, 2, dB, dB), solve
    max v  s.t.  target_{a|x}(v) = sum_D D(a|x) s_D,  s_D >= 0,  v <= v_max
over the 2^m deterministic strategies D. cvxpy is imported lazily (Clarabel, then SCS).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from quantcorr.errors import UnsupportedTargetError
from quantcorr.linalg import project_psd

MAX_SETTINGS = 12


def solve_strategy_sdp(t0: np.ndarray, t1: np.ndarray, v_max: float = 1.0) -> dict[str, Any]:
    """Model at the optimum: {"v_solver", "weights", "responses" (m, N), "hidden_states"}, the
    hidden states being the PSD parts of the solver's s_D (normalised, mixed with 1e-12 I/dB so
    that they are strictly PSD); errors in these steps end up in the re-checked residual."""
    import cvxpy as cp

    m, o, d = t0.shape[0], t0.shape[1], t0.shape[-1]
    if o != 2 or m > MAX_SETTINGS:
        raise UnsupportedTargetError(f"the strategy SDP takes two-outcome sets of at most {MAX_SETTINGS} "
                                     f"settings, got {m} (use --method lp)")
    strat = np.indices((2,) * m).reshape(m, -1)  # (m, N): outcome of setting x under strategy D
    n = strat.shape[1]
    s = [cp.Variable((d, d), hermitian=True) for _ in range(n)]
    v = cp.Variable()
    cons = [x >> 0 for x in s] + [v <= v_max]
    for x in range(m):
        zero = [s[k] for k in range(n) if strat[x, k] == 0]
        cons.append(cp.sum(zero) == t0[x, 0] + v * (t1[x, 0] - t0[x, 0]))
    cons.append(cp.sum(s) == t0[0].sum(0) + v * (t1[0].sum(0) - t0[0].sum(0)))
    prob = cp.Problem(cp.Maximize(v), cons)
    for solver in ("CLARABEL", "SCS"):
        try:
            prob.solve(solver=solver)
        except cp.error.SolverError:
            continue
        if prob.status in ("optimal", "optimal_inaccurate") and v.value is not None:
            break
    else:
        raise RuntimeError(f"strategy SDP not solved (status {prob.status})")
    ops = project_psd(np.array([x.value for x in s]))
    tr = np.real(np.trace(ops, axis1=-2, axis2=-1))
    keep = tr > 1e-14
    states = ops[keep] / tr[keep, None, None]
    states = (1 - 1e-12) * states + 1e-12 * np.eye(d) / d
    states = 0.5 * (states + np.conj(np.swapaxes(states, -1, -2)))
    return {"v_solver": float(v.value), "weights": tr[keep],
            "responses": (strat[:, keep] == 0).astype(float), "hidden_states": states}
