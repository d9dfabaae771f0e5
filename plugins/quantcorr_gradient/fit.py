"""The threshold rule of a loss scan: a bent-hinge fit of the loss against the visibility, its
refits, and the bracket the scan's verdicts allow. Shared by gradient-lhs and gradient-lhv.

Fit. The mean test losses L(v) at the scanned visibilities are fitted by least squares with
    L(v) = floor + s1 * h + s2 * h^2,   h = max(0, v - v_c),   s1, s2 >= 0
(for each v_c on a fine grid, floor, s1 and s2 follow by non-negative least squares; the v_c
with the least squared error wins). Below the threshold a classical model exists and the loss
stays at the floor; above it the loss of the best classical approximation rises: linearly for
PVMs ((v - 1/2)/2 for Werner states), convexly when averaged over random POVMs. The h^2 term is
used only where at least `MIN_BENT_POINTS` points lie above v_c.
The fit bracket is the range of v_c over the leave-one-out refits and the refits on every
contiguous sub-window of at least 3/4 of the points, widened to at least grid spacing / 10.

Bracket (`threshold_bracket`). A classical model at v' is one at every v <= v' (mix with the
classical white noise), so the largest visibility b with the classical verdict is numerical
evidence that the threshold is >= b. The reported bracket never excludes it: lower =
max(fit lower, b) with rigor "numerical" when it equals b (otherwise a fit prediction, no
rigor). Nothing the scan saw excludes a threshold below the first scanned visibility v_up > b
whose loss is clearly above the floor (floor + 3 x its verdict tolerance): a point between b and
v_up may be a classical point the model did not fit to the tolerance (isotropic d = 3 under PVMs:
v = 0.40 < 5/12 got loss 4.9e-3 against a tolerance of 2.7e-3), and a trained model that
converges to a sub-optimal loss above the threshold shifts the fitted kink down (Werner with
the 4 cube settings: every point above the kink sat on one line, which extrapolates to 0.551
instead of 0.577). So upper = max(fit upper, v_up) (v_max when no point is clearly above). The
bracket is at least as wide as the grid spacing: honest, not narrow. The estimate is the fitted v_c clipped into the bracket. The upper end never has rigor: a trained model
cannot prove non-classicality. When the window misses the threshold the result says so:
every point classical -> no estimate, "no threshold up to v_max", lower = v_max (numerical);
no point classical -> lower 0 (no rigor), upper >= v_max, warning; fewer than two points above
the kink -> warning, upper = v_max (the rise is not resolved).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FIT_GRID = 4001  # candidate kinks in [v_min, v_max]
MIN_BENT_POINTS = 3  # points above the kink needed before the rise may bend (h^2 term)


def _fit_terms(h: np.ndarray, loss: np.ndarray, terms: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Least squares of the loss on [1, h^p for p in terms] for every candidate (rows of h):
    (coefficients (K, 1 + len(terms)), sse (K,)); rank-deficient designs get the pseudo-inverse."""
    x = np.stack([np.ones_like(h)] + [h**p for p in terms], axis=-1)  # (K, n, q)
    coef = np.einsum("kqn,n->kq", np.linalg.pinv(x), loss)
    sse = ((np.einsum("knq,kq->kn", x, coef) - loss) ** 2).sum(1)
    return coef, sse


def hinge_fit(v: np.ndarray, loss: np.ndarray) -> tuple[float, float, float, float, float]:
    """Least-squares fit of floor + s1*h + s2*h^2, h = max(0, v - v_c), with s1, s2 >= 0:
    (v_c, floor, s1, s2, rms residual). All candidate v_c at once; for each, the non-negative
    least squares in (s1, s2) is the best feasible fit among both terms, s1 only and s2 only.
    The h^2 term is allowed only where at least `MIN_BENT_POINTS` points lie above v_c: with
    fewer, h and h^2 cannot be told apart and the bend would drag v_c down."""
    vc = np.linspace(v.min(), v.max(), FIT_GRID)
    h = np.maximum(0.0, v[None, :] - vc[:, None])
    bendable = (h > 0).sum(1) >= MIN_BENT_POINTS
    best_sse = np.full(len(vc), np.inf)
    best = np.zeros((len(vc), 3))
    for terms in ((1,), (1, 2), (2,)):
        coef, sse = _fit_terms(h, loss, terms)
        ok = (coef[:, 1:] >= 0).all(1) & (sse < best_sse - 1e-18) & (bendable | (2 not in terms))
        full = np.zeros((len(vc), 3))
        full[:, 0] = coef[:, 0]
        for j, p in enumerate(terms, start=1):
            full[:, p] = coef[:, j]
        best[ok], best_sse[ok] = full[ok], sse[ok]
    i = int(np.argmin(best_sse))  # the first of equal minima
    return float(vc[i]), float(best[i, 0]), float(best[i, 1]), float(best[i, 2]), float(np.sqrt(best_sse[i] / len(v)))


MIN_FIT_POINTS = 4  # a refit (jackknife or sub-window) needs this many points
SUB_WINDOW = 0.75  # sub-windows hold at least this fraction of the points


def refit_estimates(v: np.ndarray, loss: np.ndarray) -> list[float]:
    """v_c of the leave-one-out refits and of every contiguous sub-window of >= 3/4 of the points."""
    n = len(v)
    if n <= MIN_FIT_POINTS:
        return []
    out = [hinge_fit(np.delete(v, i), np.delete(loss, i))[0] for i in range(n)]
    m = max(MIN_FIT_POINTS, int(np.ceil(SUB_WINDOW * n)))
    out += [hinge_fit(v[i:j], loss[i:j])[0] for i in range(n - m + 1) for j in range(i + m, n + 1) if j - i < n]
    return out


def kink_estimate(v: np.ndarray, loss: np.ndarray) -> tuple[float, float, float, dict[str, float]]:
    """(estimate, lower, upper, fit quantities) by the hinge fit and its refits (module docstring)."""
    vc, floor, slope, curvature, rms = hinge_fit(v, loss)
    refits = refit_estimates(v, loss) + [vc]
    pad = (v.max() - v.min()) / max(len(v) - 1, 1) / 10
    lower, upper = min(min(refits), vc - pad), max(max(refits), vc + pad)
    return vc, lower, upper, {"floor": floor, "slope": slope, "curvature": curvature, "fit_rms": rms}


@dataclass
class Bracket:
    estimate: float | None
    lower: float | None
    upper: float | None
    lower_rigor: str | None
    warning: str | None
    message: str = ""
    fit: dict[str, float] = field(default_factory=dict)


RISE = 3  # a point "clearly above the floor": loss > floor + RISE * its tolerance


def threshold_bracket(v: np.ndarray, loss: np.ndarray, classical: np.ndarray,
                      tolerance: np.ndarray | None = None) -> Bracket:
    """Estimate and bracket from scanned visibilities `v` (ascending), mean test losses, the
    per-point classical verdicts and the per-point verdict tolerances (module docstring)."""
    grid = [float(x) for x in v]
    backed = [x for x, c in zip(grid, classical) if c]
    v_max = max(grid)
    if backed and max(backed) >= v_max:
        return Bracket(None, v_max, None, "numerical", None,
                       f"no threshold up to v_max = {v_max:g}: every scanned visibility got the classical verdict")
    est, lower, upper, fit = kink_estimate(v, loss)
    if not backed:
        return Bracket(est, 0.0, max(upper, v_max), None,
                       "no visibility reached the tolerance: the threshold lies below v_min, or the model is too "
                       "small; the fitted kink is not a threshold", fit=fit)
    b = max(backed)
    warning = None
    rigor = "numerical" if b >= lower else None
    lower = max(lower, b)
    above = [x for x in grid if x > b]
    if tolerance is not None:  # the first point clearly above the floor, else v_max
        clear = [x for x, l_, t in zip(grid, loss, tolerance) if x > b and l_ > fit["floor"] + RISE * t]
        above = clear or [v_max]
    upper = max(upper, min(above))
    if est < b:
        warning = (f"the fitted kink {est:.4f} lies below v = {b:g}, which got the classical verdict: the kink is "
                   "not resolved (models above it did not reach the best loss); the estimate is clipped to it")
    if sum(x > est for x in grid) < 2:
        upper = max(upper, v_max)
        warning = "fewer than two visibilities above the fitted kink, so the rise is not resolved: raise v_max"
    return Bracket(min(max(est, lower), upper), lower, upper, rigor, warning, fit=fit)
