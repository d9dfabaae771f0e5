"""NPA semidefinite programs in Collins-Gisin form (cvxpy + Clarabel/SCS) and their rigorous duals.

The moment matrix is Gamma = sum_k y_k B_k (`words.MomentStructure`): data words are fixed by
the behaviour, free words are variables. Two programs:
- `max_visibility`: max v s.t. Gamma(noise + v (p - noise), y) >= 0, v <= v_max;
- `max_functional`: max sum c p over Q_level (data words become variables, identity = 1).

Rigorous not-quantum certificates (`certificate_from_dual`, `check_certificate`). Take any real
symmetric Y (the solver's dual of the PSD constraint). Project it so that every free word's
entries sum to zero, tr(Y B_k) = 0. For a quantum behaviour q with moment matrix Gamma_q
(real part of <psi| w_i^dag w_j |psi>, PSD):
    sum_k tr(Y B_k) q_k = tr(Y Gamma_q) >= lambda_min(Y) tr(Gamma_q) >= -n max(0, -lambda_min(Y)),
because each diagonal entry <w^dag w> lies in [0, 1] for a product w of projectors, so
tr(Gamma_q) <= n. Writing coef_k = tr(Y B_k), the Bell inequality
    I(q) = -sum_{k >= 1} coef_k q_k <= coef_0 + n max(0, -lambda_min(Y)) =: bound
holds for every quantum q (any dimension), whatever solver produced Y. `check_certificate`
recomputes coef, the bound (with a floating-point margin) and I(p) from Y and the behaviour
alone; a violation I(p) > bound is a proof that p is not quantum.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from quantcorr.errors import ProblemTooLargeError

from .functionals import cg_to_full, data_vector, full_from_data_coefficients
from .words import MomentStructure, count_operator_words, moment_structure

MAX_MOMENT_SIZE = 120  # Clarabel's PSD scaling block is dense: (n(n+1)/2)^2 doubles, ~n^6 time
SOLVERS = ("clarabel", "scs")
EIG_MARGIN = 1e-12  # relative floating-point margin on eigenvalues and sums


def structure(settings, outcomes, level: str) -> MomentStructure:
    """The projector-form moment structure after a size check (ProblemTooLargeError)."""
    n = count_operator_words(tuple(settings), tuple(outcomes), level, "projector")
    if n > MAX_MOMENT_SIZE:
        raise ProblemTooLargeError(
            f"NPA level {level} for settings {tuple(settings)} and outcomes {tuple(outcomes)} needs a "
            f"{n} x {n} moment matrix: above the limit of {MAX_MOMENT_SIZE} (level 3 of I3322, 88 x 88, takes "
            f"about a minute); use a lower --level")
    return moment_structure(tuple(settings), tuple(outcomes), level, "projector")


def _basis_columns(st: MomentStructure) -> sp.csc_matrix:
    """A (n*n, n_words): vec(Gamma) = A @ y (column-major vec)."""
    n = st.size
    i, j = np.nonzero(st.index >= 0)
    return sp.csc_matrix((np.ones(len(i)), (j * n + i, st.index[i, j])), shape=(n * n, len(st.words)))


def _solve(problem, solver: str) -> None:
    import cvxpy as cp

    import warnings

    name = {"clarabel": cp.CLARABEL, "scs": cp.SCS}[solver]
    kwargs = {"eps": 1e-9, "max_iters": 200000} if solver == "scs" else {}
    with warnings.catch_warnings():  # "optimal_inaccurate" is reported in the status instead
        warnings.simplefilter("ignore", UserWarning)
        problem.solve(solver=name, **kwargs)


def max_visibility(st: MomentStructure, p: np.ndarray, noise: np.ndarray, v_max: float = 1.0,
                   solver: str = "clarabel") -> tuple[float | None, np.ndarray | None, str]:
    """(v*, dual Y of the PSD constraint, status) of max v s.t. Gamma(noise + v (p - noise)) >= 0."""
    import cvxpy as cp

    A = _basis_columns(st)
    dp, dn = data_vector(st, p), data_vector(st, noise)
    nd, n = st.n_data, st.size
    v = cp.Variable()
    y = cp.Variable(st.n_free) if st.n_free else None
    vec = A[:, :nd] @ dn + (A[:, :nd] @ (dp - dn)) * v
    if y is not None:
        vec = vec + A[:, nd:] @ y
    gamma = cp.reshape(vec, (n, n), order="F")
    psd = gamma >> 0
    problem = cp.Problem(cp.Maximize(v), [psd, v <= v_max])
    _solve(problem, solver)
    if problem.status not in ("optimal", "optimal_inaccurate") or v.value is None:
        return None, None, problem.status
    Y = None if psd.dual_value is None else np.asarray(psd.dual_value, float)
    return float(v.value), Y, problem.status


def max_functional(st: MomentStructure, c: np.ndarray,
                   solver: str = "clarabel") -> tuple[float | None, float | None, str]:
    """(solver's max over Q_level of sum c p, rigorous upper bound valid for every quantum
    behaviour, status); c is a full-form functional c[x, y, a, b]. The bound repairs the dual
    of the PSD constraint exactly (free words sum to 0, data words match c) and shifts by its
    most negative eigenvalue times the matrix size (module docstring)."""
    import cvxpy as cp

    A = _basis_columns(st)
    T = cg_to_full(st).reshape(-1, st.n_data)
    obj = T.T @ np.asarray(c, float).ravel()  # coefficients on the data words
    n = st.size
    y = cp.Variable(len(st.words) - 1)
    vec = A[:, 0].toarray().ravel() + A[:, 1:] @ y
    psd = cp.reshape(vec, (n, n), order="F") >> 0
    problem = cp.Problem(cp.Maximize(obj[0] + obj[1:] @ y[:st.n_data - 1]), [psd])
    _solve(problem, solver)
    if problem.status not in ("optimal", "optimal_inaccurate"):
        return None, None, problem.status
    upper = None
    if psd.dual_value is not None:
        upper = rigorous_upper_bound(st, obj, np.asarray(psd.dual_value, float))
    return float(problem.value), upper, problem.status


def rigorous_upper_bound(st: MomentStructure, obj: np.ndarray, Y: np.ndarray) -> float:
    """An upper bound on obj . data over quantum behaviours from any symmetric Y (see
    `max_functional`)."""
    Y = _project(st, Y)
    idx = st.index
    mask = (idx >= 1) & (idx < st.n_data)
    coef = np.bincount(idx[mask], weights=Y[mask], minlength=st.n_data)[:st.n_data]
    counts = np.bincount(idx[mask], minlength=st.n_data)[:st.n_data]
    fix = (-obj - coef) / np.maximum(counts, 1)
    fix[0] = 0.0
    Y = Y.copy()
    Y[mask] += fix[idx[mask]]
    low = float(np.linalg.eigvalsh(Y)[0])
    const = float(Y[idx == 0].sum())
    scale = float(np.abs(Y).sum()) + float(np.abs(obj).sum())
    return float(obj[0] + const + st.size * max(0.0, -low) + EIG_MARGIN * (1.0 + scale) * st.size)


def _project(st: MomentStructure, Y: np.ndarray) -> np.ndarray:
    """Y with the entries of every free word shifted to sum to zero (tr(Y B_k) = 0)."""
    Y = 0.5 * (Y + Y.T)
    idx = st.index
    mask = idx >= st.n_data
    sums = np.bincount(idx[mask], weights=Y[mask], minlength=len(st.words))
    counts = np.bincount(idx[mask], minlength=len(st.words))
    out = Y.copy()
    out[mask] -= (sums / np.maximum(counts, 1))[idx[mask]]
    return out


def functional_from_dual(st: MomentStructure, Y: np.ndarray) -> tuple[np.ndarray, float]:
    """(c[x, y, a, b], quantum bound) of the Bell inequality sum c q <= bound (module docstring)."""
    Y = _project(st, np.asarray(Y, float))
    mask = st.index >= 0
    coef = np.bincount(st.index[mask], weights=Y[mask], minlength=len(st.words))[:st.n_data]
    c, _ = full_from_data_coefficients(st, -coef)  # I(q) = -sum_{k>=1} coef_k q_k; coef_0 -> bound
    low = float(np.linalg.eigvalsh(Y)[0])
    scale = float(np.abs(Y).sum())
    bound = coef[0] + st.size * max(0.0, -low) + EIG_MARGIN * (1.0 + scale) * st.size
    return c, float(bound)


def certificate_from_dual(st: MomentStructure, Y: np.ndarray, p: np.ndarray) -> dict:
    """Certificate data (dual matrix, functional, bound, value on p) for a not-quantum claim."""
    c, bound = functional_from_dual(st, Y)
    norm = float(np.abs(c).max()) or 1.0
    return {"level": st.level, "settings": list(st.settings), "outcomes": list(st.outcomes),
            "dual_matrix": np.asarray(Y, float) / norm, "coefficients": c / norm,
            "quantum_bound": bound / norm, "value": float((c * p).sum()) / norm}


def check_certificate(data: dict, p: np.ndarray, rtol: float = 1e-9) -> tuple[bool, str]:
    """Independent re-check of a not-quantum certificate against the behaviour p[x, y, a, b]:
    recompute the functional and its bound from the dual matrix, compare them with the stated
    ones, recompute the value on p and require value > bound. (ok, reason)."""
    try:
        st = structure(tuple(data["settings"]), tuple(data["outcomes"]), str(data["level"]))
        Y = np.asarray(data["dual_matrix"], float)
        stated_c = np.asarray(data["coefficients"], float)
        stated_bound, stated_value = float(data["quantum_bound"]), float(data["value"])
    except (KeyError, TypeError, ValueError) as exc:
        return False, f"malformed certificate ({exc})"
    if Y.shape != (st.size, st.size) or stated_c.shape != p.shape or not np.all(np.isfinite(Y)):
        return False, "certificate shapes do not fit the behaviour"
    c, bound = functional_from_dual(st, Y)
    scale = 1.0 + float(np.abs(c).sum())
    if np.abs(c - stated_c).max() > rtol * scale:
        return False, "the stated functional is not the one the dual matrix gives"
    if stated_bound < bound - rtol * scale:
        return False, f"stated quantum bound {stated_bound:.10g} is below the recomputed {bound:.10g}"
    value = float((c * p).sum())
    if abs(value - stated_value) > rtol * scale:
        return False, f"stated value {stated_value:.10g} differs from the recomputed {value:.10g}"
    if value <= bound + rtol * scale:
        return False, f"no violation: value {value:.10g} <= quantum bound {bound:.10g}"
    return True, f"value {value:.10g} > quantum bound {bound:.10g}"
