"""Certificates of the polytope method and their independent re-checks (numpy only).

Conventions: Alice (party 0, a qubit) steers Bob (trusted, dimension dB); directions u_x give the
two-outcome PVMs (I +- u_x.sigma)/2, outcome 0 = "+". A family is rho(v) = v base + (1-v) noise.

LHS side. For r = inradius of conv{+-u_x} and X = rho(v) (PVMs) or X = 2 rho(v) - xi (x) rho_B(v)
(POVMs, half-mixing lemma), the operator O = [X - (1-r) I/2 (x) X_B] / r has the finite assemblage
T_{a|x}(v) = tr_A[(M_{a|x} (x) 1) O] (O need not be PSD). If T(v_c) has an LHS model, every PVM
assemblage of X is LHS (each PVM mixed with noise 1-r is a post-processing of the m PVMs), and for
POVMs rho(v_c) = X/2 + xi (x) X_B/2 is POVM-unsteerable (Hirsch et al. PRL 111, 160402 (2013)).

The inradius is taken 1e-12 (relative) below qhull's value, which is all the argument needs.

Making an LP/SDP solution exact ("margin argument"). The solver returns v_s and a model whose
rebuilt assemblage L (weights w >= 0, responses in [0, 1] with P(1|.) = 1 - P(0|.), PSD unit-trace
hidden states: an exact LHS assemblage) misses T(v_s) by the residual R = T(v_s) - L, which is
no-signalling (both are) with marginal S. The noise end is T_{a|x}(0) = pi(a|x) rho0 with pi > 0,
rho0 > 0. For v_c = v_s c / (1 + c):
    T(v_c) = (v_c/v_s) L + (1 - v_c/v_s) [T(0) + c R],
and T(0) + c R is LHS by the explicit model: hidden s in {0,1}^m with probability prod_x
pi(s_x|x), state rho0 + c (S + sum_y D_{s_y|y}), D_{a|y} = (R_{a|y} - pi(a|y) S) / pi(a|y),
response a = s_x. Its states are PSD whenever c K <= lambda_min(rho0) with
    K = ||S|| + sum_y max_a ||D_{a|y}||   (operator norms).
So v_c is certified when c <= lambda_min(rho0) / K; the solver takes half of that, the re-check
recomputes everything from the state and the stored model. A model found on the orbits of a
symmetry group stores one response per orbit and the group's generators ("orbit_responses"); the
re-check expands it (`polytope_symmetry.expand_responses`) and trusts nothing of the expansion:
wrong generators or values give a model that fails the residual check. Float64 rounding in the re-check
(~1e-15) is far below the margins used (hidden Bloch vectors are shrunk by 1e-9).

Steering side. F_{a|x} with LHS bound beta >= sum tr(F sigma^LHS) for every LHS assemblage on the
directions: either the maximum over the vertices of a polytope containing the Bloch ball of
sum_x max_a tr(F_{a|x} tau) (qubit Bob; the function is convex in tau, so its maximum on the ball is
at most that on the polytope), or the exact maximum over deterministic strategies of
lambda_max(sum_x F_{D(x)|x}). The value on rho(v)'s assemblage is affine in v; it exceeds beta
for every v >= v_upper when it increases with v and exceeds beta at v_upper.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from quantcorr.assemblage import Assemblage
from quantcorr.linalg import bloch_projectors, from_gell_mann, gell_mann, partial_trace
from quantcorr.measurements import MeasurementSet
from quantcorr.threshold import VisibilityFamily

from .directions import hull_inradius, shrinking_factor


def safe_shrinking_factor(directions: np.ndarray) -> float:
    """The inradius lowered by 1e-12 (relative), so that qhull's rounding cannot overstate it."""
    return shrinking_factor(directions) * (1 - 1e-12)


def _opnorm(a: np.ndarray) -> np.ndarray:
    return np.max(np.abs(np.linalg.eigvalsh(a)), axis=-1)


def shrunk_assemblage(rho: np.ndarray, d_b: int, directions: np.ndarray, mode: str, xi: np.ndarray,
                      r: float) -> np.ndarray:
    """Assemblage (m, 2, dB, dB) of O = [X - (1-r) I/2 (x) X_B]/r on the directions, with X = rho
    ("pvm") or X = 2 rho - xi (x) rho_B ("povm", xi a Bloch vector); operators, not states."""
    rho_b = partial_trace(rho, (2, d_b), (1,))
    if mode == "povm":
        xi_op = 0.5 * (np.eye(2) + np.einsum("k,kij->ij", xi, gell_mann(2)[1:]))
        rho = 2 * rho - np.kron(xi_op, rho_b)
    o = (rho - (1 - r) * np.kron(np.eye(2) / 2, rho_b)) / r
    return np.einsum("xaji,ibjc->xabc", bloch_projectors(directions), o.reshape(2, d_b, 2, d_b))


def lhs_model_residual(model: dict[str, Any], target: np.ndarray) -> tuple[np.ndarray, str]:
    """Residual target - L of the stored model, and "" or why the model is not a valid LHS model."""
    w, states = np.asarray(model["weights"]), np.asarray(model["hidden_states"])
    if "orbit_responses" in model:  # stored per orbit of a symmetry group: expand, then check as usual
        from .polytope_symmetry import expand_responses

        try:
            resp = expand_responses(model["orbit_responses"], target.shape[0])
        except (ValueError, KeyError, IndexError) as exc:
            return target, f"orbit-form responses cannot be expanded: {exc}"
    else:
        resp = np.asarray(model["responses"])
    if resp.shape != (target.shape[0], len(w)):
        return target, f"responses of shape {resp.shape} for {target.shape[0]} settings and {len(w)} hidden states"
    if np.any(w < 0) or np.any(resp < 0) or np.any(resp > 1):
        return target, "negative weight or response outside [0, 1]"
    if np.max(np.abs(states - np.conj(np.swapaxes(states, -1, -2)))) > 0:
        return target, "hidden states are not Hermitian"
    if np.min(np.linalg.eigvalsh(states)) < 0:  # normalisation is immaterial: w tr(s) is the weight
        return target, "a hidden state is not PSD"
    p = np.stack([resp, 1 - resp], axis=1)  # (m, 2, N)
    lhs = np.einsum("xan,n,nbc->xabc", p, w, states)
    return target - lhs, ""


def margin_constant(residual: np.ndarray, noise_end: np.ndarray) -> tuple[float, str]:
    """lambda_min(rho0) / K of the margin argument (inf for a zero residual), or (0, why)."""
    rho0 = noise_end[0].sum(0)
    pi = np.real(np.trace(noise_end, axis1=-2, axis2=-1))  # (m, 2)
    if np.max(np.abs(noise_end - pi[..., None, None] * rho0 / np.trace(rho0).real)) > 1e-12:
        return 0.0, "the noise end is not of the form pi(a|x) rho0"
    rho0 = rho0 / np.trace(rho0).real
    lam = float(np.linalg.eigvalsh(rho0)[0])
    if lam <= 0 or np.min(pi) <= 0:
        return 0.0, "the noise end is not strictly inside the LHS set"
    s = residual.sum(1).mean(0)
    if np.max(np.abs(residual.sum(1) - s)) > 1e-12:
        return 0.0, "the residual signals: the model or the target is not no-signalling"
    dev = (residual - pi[..., None, None] * s) / pi[..., None, None]
    k = float(_opnorm(s) + _opnorm(dev).max(1).sum())
    return (np.inf if k == 0 else lam / k), ""


def certify_lhs_model(model: dict[str, Any], family: VisibilityFamily, mode: str, xi: np.ndarray,
                      directions: np.ndarray) -> tuple[float | None, dict[str, Any]]:
    """Turn a solver's model at v_s = model["v_solver"] into a certified visibility v_c (half the
    allowed margin), or None with the reason. Returns (v_c, certificate data)."""
    r = safe_shrinking_factor(directions)
    d_b = family.base.dims[-1]
    v_s = float(model["v_solver"])
    t0 = shrunk_assemblage(family.noise_rho, d_b, directions, mode, xi, r)
    t1 = shrunk_assemblage(family.base.rho, d_b, directions, mode, xi, r)
    residual, why = lhs_model_residual(model, t0 + v_s * (t1 - t0))
    c, why2 = margin_constant(residual, t0) if not why else (0.0, why)
    cert = {**model, "directions": directions, "shrinking_factor": r, "mode": mode, "xi": xi,
            "residual_max": float(np.max(np.abs(residual))), "margin_c": c / 2}
    if why or why2 or v_s <= 0:
        return None, {**cert, "rejected": why or why2 or "v_solver <= 0"}
    v_c = v_s if np.isinf(c) else v_s * (c / 2) / (1 + c / 2)
    return v_c, {**cert, "v_certified": v_c}


def check_lhs_certificate(cert: dict[str, Any], family: VisibilityFamily) -> tuple[bool, str]:
    """Independent re-check: recompute r, the target at v_solver, the residual and the margin, and
    accept iff v_certified <= v_solver c / (1 + c) with the exact (not halved) margin c."""
    u = np.asarray(cert["directions"], float)
    xi = np.asarray(cert["xi"], float)
    if cert["mode"] not in ("pvm", "povm") or np.linalg.norm(xi) > 1:
        return False, "unknown mode or |xi| > 1"
    r = safe_shrinking_factor(u)
    if r <= 0 or abs(r - cert["shrinking_factor"]) > 1e-12:
        return False, f"shrinking factor {r:.12g} differs from the stored one"
    d_b = family.base.dims[-1]
    t0 = shrunk_assemblage(family.noise_rho, d_b, u, cert["mode"], xi, r)
    t1 = shrunk_assemblage(family.base.rho, d_b, u, cert["mode"], xi, r)
    v_s, v_c = float(cert["v_solver"]), float(cert["v_certified"])
    residual, why = lhs_model_residual(cert, t0 + v_s * (t1 - t0))
    if why:
        return False, why
    c, why = margin_constant(residual, t0)
    if why:
        return False, why
    allowed = v_s if np.isinf(c) else v_s * c / (1 + c)
    if not 0 <= v_c <= allowed:
        return False, f"v_certified {v_c:.12g} exceeds what the residual allows ({allowed:.12g})"
    return True, f"LHS model re-checked: residual {np.max(np.abs(residual)):.3g}, allowed v <= {allowed:.12g}"


# ---------------------------------------------------------------- steering side
def functional_to_operators(f: np.ndarray) -> np.ndarray:
    """F (m, o, d, d) with tr(F_{a|x} sigma) = f_{a,x} . g(sigma) (Gell-Mann coordinates)."""
    d = int(round(np.sqrt(f.shape[-1])))
    return d * from_gell_mann(f)


def outer_values(F: np.ndarray, points: np.ndarray) -> np.ndarray:
    """sum_x max_a tr(F_{a|x} (I + n.sigma)/2) at every point n (qubit Bob; convex in n).

    tr(F_{a|x} (I + n.sigma)/2) = c_{xa} . (1, n) with real c_{xa,k} = Re tr(F_{a|x} G_k)/2,
    G = (I, X, Y, Z): one real matrix product, in chunks of points."""
    coef = 0.5 * np.real(np.einsum("xaij,kji->kxa", F, gell_mann(2)))  # (4, m, o)
    m, o = coef.shape[1:]
    coef = coef.reshape(4, m * o)
    out = np.empty(len(points))
    for start in range(0, len(points), 4096):
        p = points[start:start + 4096]
        vals = (coef[0] + p @ coef[1:]).reshape(len(p), m, o)
        out[start:start + 4096] = vals.max(axis=2).sum(axis=1) if o > 2 else \
            np.maximum(vals[..., 0], vals[..., 1]).sum(axis=1)
    return out


def outer_lhs_bound(F: np.ndarray, vertices: np.ndarray) -> float:
    """max over the polytope vertices n of sum_x max_a tr(F_{a|x} (I + n.sigma)/2) (qubit Bob)."""
    return float(outer_values(F, vertices).max())


def strategy_lhs_bound(F: np.ndarray) -> float:
    """Exact LHS bound max_D lambda_max(sum_x F_{D(x)|x}) over the o^m deterministic strategies."""
    m, o = F.shape[:2]
    best = -np.inf
    idx = np.indices((o,) * m).reshape(m, -1).T
    for chunk in np.array_split(idx, max(1, len(idx) // 4096)):
        ops = F[np.arange(m)[None], chunk].sum(1)
        best = max(best, float(np.linalg.eigvalsh(ops)[:, -1].max()))
    return best


def inequality_values(F: np.ndarray, family: VisibilityFamily, directions: np.ndarray) -> tuple[float, float]:
    """sum tr(F sigma) on the PVM assemblage of rho(v) at v = 0 and v = 1 (core assemblage code)."""
    ms = MeasurementSet.from_bloch(directions)
    vals = []
    for v in (0.0, 1.0):
        sigma = Assemblage.from_state(family.at(v), ms).sigma
        vals.append(float(np.real(np.einsum("xaij,xaji->", F, sigma))))
    return vals[0], vals[1]


def lhs_bound_of(cert: dict[str, Any]) -> tuple[float | None, str]:
    """Recompute the LHS bound of a steering-inequality certificate from its own data."""
    F = np.asarray(cert["F"])
    if cert["bound_method"] == "outer-polytope":
        vert = np.asarray(cert["outer_vertices"], float)
        if F.shape[-1] != 2:
            return None, "outer-polytope bound needs a qubit Bob"
        if hull_inradius(vert) < 1:  # conv(vertices) itself, not its symmetrisation
            return None, "the outer polytope does not contain the Bloch ball"
        return outer_lhs_bound(F, vert), ""
    if cert["bound_method"] == "strategies":
        return strategy_lhs_bound(F), ""
    return None, f"unknown bound method {cert['bound_method']!r}"


def crossing(F: np.ndarray, bound: float, family: VisibilityFamily, directions: np.ndarray) -> float | None:
    """Smallest v in [0, 1] (with a 1e-9 safety step) above which the value exceeds `bound`."""
    i0, i1 = inequality_values(F, family, directions)
    if i1 <= i0:
        return None
    v = max(0.0, (bound - i0) / (i1 - i0)) * (1 + 1e-9) + 1e-9
    return v if v <= 1 else None


def check_steering_certificate(cert: dict[str, Any], family: VisibilityFamily) -> tuple[bool, str]:
    """Independent re-check: recompute the LHS bound and the value at v_upper; accept iff the
    value increases with v and exceeds the bound at v_upper (so at every v >= v_upper)."""
    F, u = np.asarray(cert["F"]), np.asarray(cert["directions"], float)
    bound, why = lhs_bound_of(cert)
    if bound is None:
        return False, why
    if bound > float(cert["lhs_bound"]) + 1e-12 * (1 + abs(bound)):
        return False, f"stored LHS bound {cert['lhs_bound']:.12g} is below the recomputed {bound:.12g}"
    i0, i1 = inequality_values(F, family, u)
    v = float(cert["v_upper"])
    value = i0 + v * (i1 - i0)
    tol = 1e-12 * float(np.abs(F).sum())
    if i1 <= i0 or value <= bound + tol:
        return False, f"value {value:.12g} at v={v:.12g} does not exceed the LHS bound {bound:.12g}"
    return True, f"steering inequality re-checked: value {value:.12g} > LHS bound {bound:.12g} at v={v:.12g}"
