"""The scalable LHS linear program with a fixed set of Bob hidden states (HiGHS via scipy).

Conventions (DESIGN.md): party 0 (Alice, qubit) steers Bob (trusted, dimension dB) with m
two-outcome measurements. Operators are handled in Gell-Mann coordinates g in R^{dB^2}
(`quantcorr.linalg.to_gell_mann`; a density operator has g_0 = 1). An `AffineAssemblage` holds
sigma_{0|x}(v) and rho_B(v) = sigma_{0|x} + sigma_{1|x}, both affine in the visibility v.

Program (Porto, Designolle, Pokutta, Quintino, arXiv 2506.03045): with hidden states h_lambda
fixed, variables p_lambda >= 0 (weights) and 0 <= q_{x,lambda} <= p_lambda (weight times the
probability of outcome 0), maximise v subject to
    sum_lambda q_{x,lambda} h_lambda = g(sigma_{0|x}(v))   for every x,
    sum_lambda p_lambda h_lambda     = g(rho_B(v)).
Its size is polynomial in m (m N + N + 1 variables). With physical states h_lambda every
feasible point is an LHS model (inner approximation); with the vertices of a polytope containing
the state space it is a relaxation (outer approximation), whose dual at the optimum is a
functional that no LHS assemblage can push above its bound: a steering inequality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class AffineAssemblage:
    """Two-outcome assemblage, affine in v: element(v) = at0 + v * (at1 - at0).

    `first0`/`first1`: (m, dB^2) coordinates of sigma_{0|x} at v = 0 and v = 1;
    `marg0`/`marg1`: (dB^2,) coordinates of rho_B at v = 0 and v = 1."""

    first0: np.ndarray
    first1: np.ndarray
    marg0: np.ndarray
    marg1: np.ndarray

    @classmethod
    def from_ends(cls, at0: np.ndarray, at1: np.ndarray) -> "AffineAssemblage":
        """From the assemblage operators (m, 2, dB, dB) at v = 0 and at v = 1."""
        from quantcorr.linalg import to_gell_mann

        return cls(to_gell_mann(at0[:, 0]), to_gell_mann(at1[:, 0]), to_gell_mann(at0[0].sum(0)),
                   to_gell_mann(at1[0].sum(0)))

    @property
    def n_settings(self) -> int:
        return self.first0.shape[0]

    def first(self, v: float) -> np.ndarray:
        return self.first0 + v * (self.first1 - self.first0)

    def marginal(self, v: float) -> np.ndarray:
        return self.marg0 + v * (self.marg1 - self.marg0)

    def both(self, v: float) -> np.ndarray:
        """(m, 2, dB^2): coordinates of sigma_{0|x}(v) and sigma_{1|x}(v)."""
        s0 = self.first(v)
        return np.stack([s0, self.marginal(v)[None] - s0], axis=1)


@dataclass
class LpSolution:
    """Optimum of the hidden-state LP: visibility `v`, weights `p` (N,), `q` (m, N), and the dual
    values of the element rows (m, dB^2) and of the marginal rows (dB^2,). `orbits`: for a
    solution on the orbits of a symmetry group (`polytope_symmetry`), the compact form of the
    responses ({"generators": ..., "values": ...}), else None."""

    v: float
    p: np.ndarray
    q: np.ndarray
    dual_first: np.ndarray
    dual_marg: np.ndarray
    orbits: dict | None = None


#: Largest LP (columns) sent to highspy's interior point without crossover: measured 3x faster than
#: scipy's route at 52 000 columns, but a run with two LPs of about 207 000 columns each had not
#: finished after 20 CPU minutes (the scipy route: 463 s), so larger LPs keep the scipy route.
HIGHSPY_MAX_COLUMNS = 120_000


def _lp_arrays(target: AffineAssemblage, hidden: np.ndarray, v_max: float):
    """(c, A_eq, b_eq, A_ub, upper bounds) of the LP; columns q (x-major), p, v."""
    m, d2 = target.first0.shape
    n = hidden.shape[0]
    hT = sp.csr_matrix(hidden.T)  # (d2, N)
    n_q, n_var = m * n, m * n + n + 1
    # equality rows: m*d2 element rows, then d2 marginal rows
    a_q = sp.kron(sp.identity(m, format="csr"), hT, format="csr")
    a_el = sp.hstack([a_q, sp.csr_matrix((m * d2, n)),
                      sp.csr_matrix(-(target.first1 - target.first0).reshape(-1, 1))], format="csr")
    a_mg = sp.hstack([sp.csr_matrix((d2, n_q)), hT,
                      sp.csr_matrix(-(target.marg1 - target.marg0).reshape(-1, 1))], format="csr")
    a_eq = sp.vstack([a_el, a_mg], format="csr")
    b_eq = np.concatenate([target.first0.reshape(-1), target.marg0])
    # q_{x,lambda} - p_lambda <= 0
    a_ub = sp.hstack([sp.identity(n_q, format="csr"), -sp.kron(np.ones((m, 1)), sp.identity(n), format="csr"),
                      sp.csr_matrix((n_q, 1))], format="csr")
    c = np.zeros(n_var)
    c[-1] = -1.0
    upper = np.full(n_var, np.inf)
    upper[-1] = v_max
    return c, a_eq, b_eq, a_ub, upper


def _quiet(make):
    """make() with the process's stdout (file descriptor 1) sent to /dev/null: highspy prints a
    banner from C++ when its first solver object is built, which would corrupt `--json -`."""
    import ctypes
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            try:
                return make()
            finally:
                ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _solve_highspy(c, a_eq, b_eq, a_ub, upper, tol: float, time_limit: float | None):
    """Interior point without crossover (HiGHS through highspy): (x, equality-row duals) or None.
    Crossover to a vertex is what makes the scipy route slow here (3x at 321 x 162), and nothing
    downstream needs a vertex: the model and the inequality are re-checked independently."""
    try:
        import highspy
    except ImportError:
        return None
    inf = highspy.kHighsInf
    A = sp.vstack([a_eq, a_ub], format="csc")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = c
    lp.col_lower_ = np.zeros(len(c))
    lp.col_upper_ = np.where(np.isinf(upper), inf, upper)
    lp.row_lower_ = np.concatenate([b_eq, np.full(a_ub.shape[0], -inf)])
    lp.row_upper_ = np.concatenate([b_eq, np.zeros(a_ub.shape[0])])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    h = _quiet(highspy.Highs)
    for key, value in (("output_flag", False), ("solver", "ipm"), ("run_crossover", "off"), ("threads", 1),
                       ("primal_feasibility_tolerance", tol), ("dual_feasibility_tolerance", tol)):
        h.setOptionValue(key, value)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    return np.asarray(sol.col_value), np.asarray(sol.row_dual)[: len(b_eq)]


def solve_lp_arrays(c, a_eq, b_eq, a_ub, upper, tol: float = 1e-9,
                    time_limit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """min c.x s.t. a_eq x = b_eq, a_ub x <= 0, 0 <= x <= upper: (x, equality-row duals). HiGHS
    interior point without crossover (LPs of at most HIGHSPY_MAX_COLUMNS columns), else or if
    that fails scipy's HiGHS interior point, then dual simplex. RuntimeError when none succeeds."""
    found = None
    if len(c) <= HIGHSPY_MAX_COLUMNS:
        found = _solve_highspy(c, a_eq, b_eq, a_ub, upper, tol, time_limit)
    if found is not None:
        return found
    from scipy.optimize import linprog

    options = {"primal_feasibility_tolerance": tol, "dual_feasibility_tolerance": tol, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    bounds = np.stack([np.zeros(len(c)), upper], axis=1)
    ub = {} if a_ub.shape[0] == 0 else {"A_ub": a_ub, "b_ub": np.zeros(a_ub.shape[0])}
    for method in ("highs-ipm", "highs"):
        res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method=method, options=options, **ub)
        if res.status == 0 and res.x is not None:
            return res.x, np.asarray(res.eqlin.marginals)
    raise RuntimeError(f"HiGHS did not solve the hidden-state LP: {res.message}")


def solve_hidden_state_lp(target: AffineAssemblage, hidden: np.ndarray, v_max: float = 1.0,
                          tol: float = 1e-9, time_limit: float | None = None) -> LpSolution:
    """Maximise v in [0, v_max] such that target(v) has a model on the hidden states `hidden`
    (N, dB^2) Gell-Mann coordinates (solved by `solve_lp_arrays`). Raises RuntimeError when no
    route reaches an optimum."""
    m, d2 = target.first0.shape
    n = hidden.shape[0]
    n_q = m * n
    x, duals = solve_lp_arrays(*_lp_arrays(target, hidden, v_max), tol, time_limit)
    return LpSolution(float(x[-1]), np.clip(x[n_q:n_q + n], 0.0, None), np.clip(x[:n_q].reshape(m, n), 0.0, None),
                      duals[:m * d2].reshape(m, d2), duals[m * d2:])


def functional_from_duals(sol: LpSolution) -> np.ndarray:
    """Coefficients f (m, 2, dB^2) of the functional sum_{x,a} f_{a,x} . g(sigma_{a|x}) given by
    the LP duals (the marginal rows are spread evenly over the settings)."""
    m = sol.dual_first.shape[0]
    share = np.broadcast_to(sol.dual_marg / m, sol.dual_first.shape)
    return np.stack([sol.dual_first + share, share], axis=1)

