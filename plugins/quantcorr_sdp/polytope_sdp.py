"""The 2^m-strategy SDP for the polytope lower bound (small m): every LHS model, not only those
with hidden states from a fixed set.

Party 0 (Alice, qubit) steers Bob (trusted, dimension dB). Given the two-outcome assemblage
target(v) = t0 + v (t1 - t0) of shape (m, 2, dB, dB), solve
    max v  s.t.  target_{a|x}(v) = sum_D D(a|x) s_D,  s_D >= 0,  v <= v_max
over the 2^m deterministic strategies D: sdp-lhs's critical-visibility program (`lhs_program`,
second-order cones for a qubit Bob, closed-form rows) solved by `sdp_core` (Clarabel, then SCS).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from quantcorr.errors import ProblemTooLargeError, UnsupportedTargetError

from . import sdp_core as core
from .lhs_program import hidden_states, program

MAX_SETTINGS = 12


def solve_strategy_sdp(t0: np.ndarray, t1: np.ndarray, v_max: float = 1.0) -> dict[str, Any]:
    """Model at the optimum: {"v_solver", "weights", "responses" (m, N), "hidden_states"}, the
    hidden states being the PSD parts of the solver's s_D (normalised, mixed with 1e-12 I/dB so
    that they are strictly PSD); errors in these steps end up in the re-checked residual.
    Raises RuntimeError when no solver reaches an optimum."""
    m, o, d = t0.shape[0], t0.shape[1], t0.shape[-1]
    if o != 2:
        raise UnsupportedTargetError(f"the strategy SDP takes two-outcome measurements, got {o} outcomes")
    if m > MAX_SETTINGS:
        raise ProblemTooLargeError(f"polytope-lhs --method sdp: {2 ** m} deterministic strategies for {m} directions "
                                   f"are above the limit of {2 ** MAX_SETTINGS} ({MAX_SETTINGS} directions); use "
                                   "--method lp or a smaller --polytope")
    D, strat = core.strategy_matrix(1, m, 2)
    sol = core.solve(program(D, d, "critical", t1, t0, core.closed_form_rows(1, m, 2), v_max=v_max), "auto", 1e-9)
    if not sol.ok:
        raise RuntimeError(f"strategy SDP not solved ({sol.describe()})")
    ops = hidden_states(sol, D.shape[1], d)
    tr = np.real(np.trace(ops, axis1=-2, axis2=-1))
    keep = tr > 1e-14
    states = ops[keep] / tr[keep, None, None]
    states = (1 - 1e-12) * states + 1e-12 * np.eye(d) / d
    states = 0.5 * (states + np.conj(np.swapaxes(states, -1, -2)))
    return {"v_solver": float(sol.x[-1]), "weights": tr[keep],
            "responses": (strat[keep, 0, :].T == 0).astype(float), "hidden_states": states}
