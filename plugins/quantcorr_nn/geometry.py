"""Geometry of the CHSH scenario in CHSH coordinates (REFERENCE.md section 6).

Points are rows of an array of shape (N, space):
- space 8: (<A0>, <A1>, <B0>, <B1>, E00, E01, E10, E11), with
  p(a,b|x,y) = [1 + (-1)^a <A_x> + (-1)^b <B_y> + (-1)^(a+b) E_xy] / 4;
- space 4: (E00, E01, E10, E11) with zero marginals (the slice <A_x> = <B_y> = 0).

The no-signalling (NS) set is {p >= 0}: in space 4 the cube [-1, 1]^4, in space 8 a polytope with
24 vertices (16 deterministic points and 8 PR boxes) that fills about 2.7% of [-1, 1]^8.
The white-noise point (the origin) is interior to the quantum set, so every ray from the origin
leaves the quantum set exactly once (convexity), which the boundary sampler relies on.

On the zero-marginal slice the quantum set is exactly the TLM set
|asin E00 + asin E01 + asin E10 - asin E11| <= pi and its sign permutations (Tsirelson, Landau,
Masanes); NPA level 1 already equals it there.
"""

from __future__ import annotations

import numpy as np

SPACES = (4, 8)
# The four CHSH expressions (minus sign in each position); with both overall signs, the 8 facets
# of the local polytope on the correlators.
CHSH_SIGNS = np.array([[1, 1, 1, -1], [1, 1, -1, 1], [1, -1, 1, 1], [-1, 1, 1, 1]], dtype=float)
TSIRELSON = 2 * np.sqrt(2)


def check_space(space: int) -> int:
    from quantcorr.errors import DimensionError

    if space not in SPACES:
        raise DimensionError(f"space must be 4 (correlators, zero marginals) or 8 (full CHSH coordinates), got {space}")
    return space


def correlators(x: np.ndarray) -> np.ndarray:
    """The four correlators E_xy of points in space 4 or 8."""
    return x if x.shape[1] == 4 else x[:, 4:]


def full_coordinates(x: np.ndarray) -> np.ndarray:
    """Points as 8 CHSH coordinates (space-4 points get zero marginals)."""
    return x if x.shape[1] == 8 else np.concatenate([np.zeros((len(x), 4)), x], axis=1)


def probabilities(x: np.ndarray) -> np.ndarray:
    """p[n, x, y, a, b] of points in space 4 or 8."""
    f = full_coordinates(np.asarray(x, float))
    s = np.array([1.0, -1.0])
    a, b, e = f[:, :2], f[:, 2:4], f[:, 4:].reshape(-1, 2, 2)
    return (1 + s[None, None, None, :, None] * a[:, :, None, None, None]
            + s[None, None, None, None, :] * b[:, None, :, None, None]
            + np.multiply.outer(s, s)[None, None, None] * e[:, :, :, None, None]) / 4


def ns_slack(x: np.ndarray) -> np.ndarray:
    """min_{a,b,x,y} p(a,b|x,y) per point: >= 0 exactly on the NS set."""
    return probabilities(x).reshape(len(x), -1).min(axis=1)


def ns_max_scaling(u: np.ndarray) -> np.ndarray:
    """Largest lambda with lambda*u in NS, per direction u (inf where no constraint binds)."""
    f = full_coordinates(np.asarray(u, float))
    s = np.array([1.0, -1.0])
    a, b, e = f[:, :2], f[:, 2:4], f[:, 4:].reshape(-1, 2, 2)
    # p = [1 + lambda * g] / 4 with g linear in u; the constraint binds where g < 0.
    g = (s[None, None, None, :, None] * a[:, :, None, None, None] + s[None, None, None, None, :] * b[:, None, :, None, None]
         + np.multiply.outer(s, s)[None, None, None] * e[:, :, :, None, None]).reshape(len(f), -1)
    with np.errstate(divide="ignore"):
        lam = np.where(g < 0, -1.0 / np.minimum(g, -1e-300), np.inf)
    return lam.min(axis=1)


def sample_ns(n: int, space: int, rng: np.random.Generator) -> np.ndarray:
    """n points uniform in the NS set of `space` (rejection from the cube [-1, 1]^space)."""
    if space == 4:
        return rng.uniform(-1.0, 1.0, size=(n, 4))
    out, have = [], 0
    while have < n:
        batch = rng.uniform(-1.0, 1.0, size=(min(max(40 * (n - have), 4096), 200_000), 8))
        keep = batch[ns_slack(batch) >= 0]
        out.append(keep)
        have += len(keep)
    return np.concatenate(out)[:n]


def chsh_values(x: np.ndarray) -> np.ndarray:
    """The four CHSH expressions of the correlators, shape (N, 4)."""
    return correlators(x) @ CHSH_SIGNS.T


def tlm_margin(x: np.ndarray) -> np.ndarray:
    """max over the 8 sign patterns of sum_xy s_xy asin(E_xy), minus pi: <= 0 exactly on the
    quantum set of the zero-marginal slice (points must have |E_xy| <= 1)."""
    s = np.arcsin(np.clip(correlators(x), -1.0, 1.0))
    return np.abs(s @ CHSH_SIGNS.T).max(axis=1) - np.pi


def tlm_contains(x: np.ndarray) -> np.ndarray:
    """Exact quantum-set membership of zero-marginal points (space 4, or space 8 with zero marginals)."""
    e = correlators(np.asarray(x, float))
    return (np.abs(e).max(axis=1) <= 1.0) & (tlm_margin(e) <= 0.0)


def bisect_scaling(contains, u: np.ndarray, hi: np.ndarray, iters: int = 60) -> np.ndarray:
    """Largest lambda in [0, hi] with contains(lambda*u), by vectorised bisection (valid for a
    convex set containing the origin). Where hi*u is inside, returns hi."""
    lo = np.zeros(len(u))
    hi = np.asarray(hi, float).copy()
    inside_hi = contains(hi[:, None] * u)
    top = hi.copy()
    for _ in range(iters):
        mid = (lo + hi) / 2
        ok = contains(mid[:, None] * u)
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return np.where(inside_hi, top, lo)


def tlm_max_scaling(u: np.ndarray) -> np.ndarray:
    """lambda* = max lambda with lambda*u quantum, for zero-marginal directions u (exact TLM)."""
    e = correlators(np.asarray(u, float))
    return bisect_scaling(tlm_contains, e, 1.0 / np.abs(e).max(axis=1))


def q1_correlators(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """D_xy = (E_xy - <A_x><B_y>) / sqrt((1 - <A_x>^2)(1 - <B_y>^2)), clipped to [-1, 1]: the
    NPA level-1 set of the CHSH scenario is |sum s_xy asin D_xy| <= pi (Landau; Masanes), an
    outer approximation of Q_{1+AB} that reduces to TLM on the zero-marginal slice."""
    f = full_coordinates(np.asarray(x, float))
    a, b, e = f[:, :2], f[:, 2:4], f[:, 4:].reshape(-1, 2, 2)
    den = np.sqrt(np.maximum((1 - a[:, :, None] ** 2) * (1 - b[:, None, :] ** 2), eps))
    return np.clip((e - a[:, :, None] * b[:, None, :]) / den, -1.0, 1.0).reshape(-1, 4)


def q1_contains(x: np.ndarray) -> np.ndarray:
    """Membership in the NPA level-1 set intersected with NS (closed form, see q1_correlators)."""
    s = np.arcsin(q1_correlators(x))
    return (np.abs(s @ CHSH_SIGNS.T).max(axis=1) <= np.pi) & (ns_slack(x) >= 0)


def q1_scaling(x: np.ndarray) -> np.ndarray:
    """lambda_1(x) = max lambda with lambda*x in Q_1 and NS (inf for x = 0): x is in Q_1 iff >= 1."""
    x = np.asarray(x, float)
    lam = np.full(len(x), np.inf)
    nz = np.abs(x).max(axis=1) > 0
    if nz.any():
        lam[nz] = bisect_scaling(q1_contains, x[nz], ns_max_scaling(x[nz]))
    return lam


def open_rays(u: np.ndarray) -> np.ndarray:
    """Directions whose ray leaves the local polytope L through a CHSH facet strictly inside NS.
    On every other ray L reaches the NS boundary, so L in Q_level in Q_1 in NS all leave through
    the same NS facet: lambda_level = lambda_1 = lambda_NS, and no point of the ray is left open
    by known_labels (it is local or outside NS)."""
    u = np.asarray(u, float)
    with np.errstate(divide="ignore"):
        lam_local = 2.0 / np.abs(chsh_values(u)).max(axis=1)
    return lam_local < ns_max_scaling(u)


def known_labels(x: np.ndarray, tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """(known, label) from the exact inclusions L in Q_level in Q_1 in NS (any level >= 1):
    an NS point satisfying the eight CHSH inequalities is local, hence quantum (label 1); a point
    outside NS or outside the closed-form Q_1 is not quantum (label 0); an NS point with zero
    marginals (|<A_x>|, |<B_y>| <= tol) is quantum iff it is in Q_1, since Q_1 = Q on that slice
    (TLM). Other points are unknown. Q_1 membership carries the tolerance tol (boundary points such
    as the Tsirelson point count as inside)."""
    x = np.asarray(x, float)
    ns = ns_slack(x) >= -tol
    local = ns & (np.abs(chsh_values(x)).max(axis=1) <= 2.0)
    s = np.arcsin(q1_correlators(x))
    outside = ~ns | (np.abs(s @ CHSH_SIGNS.T).max(axis=1) > np.pi + tol)
    zero = ns & (np.abs(full_coordinates(x)[:, :4]).max(axis=1) <= tol)
    return local | outside | zero, local | (zero & ~outside)
