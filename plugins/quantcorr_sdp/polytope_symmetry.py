"""Exact symmetry reduction of the hidden-state LP of `polytope_lp` (qubit Bob).

Conventions as in `polytope_lp`: Alice (party 0, a qubit) steers Bob (a qubit here); the target is
an `AffineAssemblage` on m axes u_x, outcome 0 = "+". Write the 2m *signed* directions
d in {+u_x, -u_x}; sigma_{+|-u} = rho_B - sigma_{+|u}. Hidden states h_lambda are Gell-Mann
coordinates (trace, Bloch part).

A symmetry is a pair (R, L): R an orthogonal 3x3 matrix that permutes the signed directions, and
L = diag(1, O) (O a 3x3 matrix acting on Bob's Bloch part) that permutes the hidden states, with
the target covariant at both ends v = 0, 1:

    g(sigma_{+|R d}(v)) = L g(sigma_{+|d}(v)),    L g(rho_B(v)) = g(rho_B(v)).

If (p, q) is feasible at v, so is its image, and the average over a group G of symmetries is a
G-invariant feasible point with the same v: the LP restricted to invariant points (variables =
orbits) has the same optimum. For the Werner state and geodesic (icosahedral) direction sets G is
the full icosahedral group (order 120, with L = R), which divides the number of LP columns by
about 120; states without such a symmetry get the trivial group and the full LP.

Candidate groups are the symmetry groups of the octahedron and the icosahedron in the
orientation of `quantcorr.polyhedra` (which builds every named set from them); each candidate R is
kept only if it permutes the directions, a matching O is found (least squares on the target, then
checked) and L permutes the hidden states. The kept elements must form a group (checked by
composing permutations), else no reduction is made. The reduced LP is written out here (and not
by a generic symmetry package) because its orbit structure is what lets the full model and a full
steering functional be rebuilt for the independent re-checks of `polytope_certs`, which do not
trust any of this.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .polytope_lp import AffineAssemblage, LpSolution, solve_lp_arrays

#: Tolerance of the covariance and permutation checks (coordinates are O(1)).
SYM_TOL = 1e-9


@dataclass(frozen=True)
class LpGroup:
    """A group of LP symmetries as permutations: `dirs` (K, 2m) of the signed directions (index x
    for +u_x, m + x for -u_x), `hidden` (K, N) of the hidden states, `bob` (K, 4, 4) the maps L."""

    dirs: np.ndarray
    hidden: np.ndarray
    bob: np.ndarray

    @property
    def order(self) -> int:
        return len(self.dirs)


def _point_group(points: np.ndarray) -> list[np.ndarray]:
    """All orthogonal R with R P = P for a small symmetric point set P (rows)."""
    p = np.vstack([points, -points])
    match = _matcher(p)
    p1 = p[0]
    p2 = next(q for q in p[1:] if abs(abs(q @ p1) - 1) > 1e-6)
    base = np.linalg.inv(np.column_stack([p1, p2, np.cross(p1, p2)]))
    out: list[np.ndarray] = []
    for q1 in p:
        for q2 in p:
            if abs(q1 @ q2 - p1 @ p2) > 1e-9:
                continue
            for s in (1, -1):
                r = np.column_stack([q1, q2, s * np.cross(q1, q2)]) @ base
                if np.allclose(r @ r.T, np.eye(3), atol=1e-9) and match(p @ r.T) is not None \
                        and not any(np.allclose(r, o, atol=1e-9) for o in out):
                    out.append(r)
    return out


@functools.lru_cache(maxsize=1)
def candidate_rotations() -> tuple[np.ndarray, ...]:
    """The symmetry groups O_h (48) and I_h (120) of `quantcorr.polyhedra`'s solids, merged (144)."""
    from quantcorr.polyhedra import icosahedron, octahedron

    out = _point_group(octahedron())
    for r in _point_group(icosahedron()):
        if not any(np.allclose(r, o, atol=1e-9) for o in out):
            out.append(r)
    return tuple(out)


def _matcher(points: np.ndarray):
    """A function images -> perm with images[i] == points[perm[i]] (within SYM_TOL), or None; the
    search tree of `points` is built once."""
    from scipy.spatial import cKDTree

    tree, tol = cKDTree(points), SYM_TOL * (1 + np.max(np.abs(points)))

    def match(images: np.ndarray) -> np.ndarray | None:
        dist, idx = tree.query(images)
        if np.max(dist) > tol or len(np.unique(idx)) != len(idx):
            return None
        return idx

    return match


def signed_targets(target: AffineAssemblage) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (2, 2m, 4) of sigma_{+|d}(v) at v = 0, 1, and (2, 4) of rho_B(v)."""
    first = np.stack([target.first0, target.first1])
    marg = np.stack([target.marg0, target.marg1])
    return np.concatenate([first, marg[:, None] - first], axis=1), marg


def find_group(target: AffineAssemblage, directions: np.ndarray, hidden: np.ndarray) -> LpGroup | None:
    """The LP symmetries among `candidate_rotations()` (see module doc), or None when only the
    identity survives or the survivors do not form a group. `directions` (m, 3) are the axes of
    the target, `hidden` (N, 4) the hidden states' coordinates (qubit Bob only)."""
    if target.first0.shape[1] != 4 or hidden.shape[1] != 4:
        return None
    signed = np.vstack([directions, -directions])
    sig, marg = signed_targets(target)
    match_dirs, match_hidden = _matcher(signed), _matcher(hidden[:, 1:])
    dirs, hid, bob = [], [], []
    for r in candidate_rotations():
        pd = match_dirs(signed @ r.T)
        if pd is None:
            continue
        found = _bob_map(r, pd, sig, marg, hidden[:, 1:], match_hidden)
        if found is None:
            continue
        o, ph = found
        dirs.append(pd)
        hid.append(ph)
        bob.append(np.block([[np.ones((1, 1)), np.zeros((1, 3))], [np.zeros((3, 1)), o]]))
    if len(dirs) <= 1:
        return None
    group = LpGroup(np.array(dirs), np.array(hid), np.array(bob))
    return group if _closed(group) else None


def _bob_map(r: np.ndarray, pd: np.ndarray, sig: np.ndarray, marg: np.ndarray, bloch: np.ndarray,
             match_hidden) -> tuple[np.ndarray, np.ndarray] | None:
    """(O, hidden permutation) making (r, L = diag(1, O)) an LP symmetry, or None."""
    scale = 1 + np.max(np.abs(sig))
    if np.max(np.abs(sig[:, pd, 0] - sig[:, :, 0])) > SYM_TOL * scale:  # traces must be invariant
        return None
    x = np.vstack([sig[0, :, 1:], sig[1, :, 1:]])
    y = np.vstack([sig[0, pd, 1:], sig[1, pd, 1:]])
    candidates = [np.linalg.lstsq(x, y, rcond=None)[0].T, r]
    for o in candidates:
        if np.max(np.abs(x @ o.T - y)) > SYM_TOL * scale or np.max(np.abs(marg[:, 1:] @ o.T - marg[:, 1:])) > \
                SYM_TOL * scale:
            continue
        ph = match_hidden(bloch @ o.T)
        if ph is not None:
            return o, ph
    return None


def _closed(group: LpGroup) -> bool:
    """True when the permutations are closed under composition (so they form a group)."""
    perms = np.hstack([group.dirs, group.hidden + group.dirs.shape[1]])
    keys = {p.tobytes() for p in perms}
    return all(perms[a][perms[b]].tobytes() in keys for a in range(len(perms)) for b in range(len(perms)))


@dataclass
class _Layout:
    """Orbit bookkeeping: representatives of the signed directions, the variable index of every
    (hidden, signed direction) pair, and of every hidden state's weight."""

    reps: np.ndarray        # (n_reps,) signed-direction representatives
    q_index: np.ndarray     # (2m, N) variable of Q(lambda, d)
    p_index: np.ndarray     # (N,) variable of p_lambda
    n_q: int
    n_p: int


def _layout(pd: np.ndarray, ph: np.ndarray) -> _Layout:
    """Orbit bookkeeping for a group given by all its permutations (K, 2m) and (K, N); it depends
    only on the group as a set (not on the order of its elements)."""
    n_d, n = pd.shape[1], ph.shape[1]
    orbit_rep = pd.min(axis=0)                      # min over the group = orbit representative
    reps = np.unique(orbit_rep)
    inv_h = np.argsort(ph, axis=1)                  # inverse hidden permutations
    q_index = np.full((n_d, n), -1, dtype=np.int32)
    offset = 0
    for r in reps:
        stab = pd[:, r] == r
        label = ph[stab].min(axis=0)                # stabiliser orbits of the hidden states
        uniq, compact = np.unique(label, return_inverse=True)
        q_index[r] = offset + compact
        offset += len(uniq)
        # Q(lambda, g r) = Q(g^-1 lambda, r) for every group element g
        for k in range(len(pd)):
            d = pd[k, r]
            if q_index[d, 0] < 0:
                q_index[d] = q_index[r][inv_h[k]]
    _, p_index = np.unique(ph.min(axis=0), return_inverse=True)
    return _Layout(reps, q_index, p_index, offset, int(p_index.max()) + 1)


def solve_symmetric_lp(target: AffineAssemblage, hidden: np.ndarray, group: LpGroup, v_max: float = 1.0,
                       tol: float = 1e-9, time_limit: float | None = None) -> LpSolution:
    """`polytope_lp.solve_hidden_state_lp` on G-invariant points: the same optimum, with the full
    weights and responses rebuilt from the orbits and the duals turned into the group average of
    the reduced functional (so `functional_from_duals` gives a functional on the whole
    assemblage). Raises RuntimeError when HiGHS reaches no optimum."""
    m = target.n_settings
    sig, marg = signed_targets(target)
    lay = _layout(group.dirs, group.hidden)
    n_var = lay.n_q + lay.n_p + 1
    rows, cols, vals = [], [], []
    # (1) sum_lambda Q(lambda, r) h_lambda = g(sigma_{+|r}(v)) for every representative r
    for i, r in enumerate(lay.reps):
        for c in range(4):
            rows.append(np.full(hidden.shape[0], 4 * i + c))
            cols.append(lay.q_index[r])
            vals.append(hidden[:, c])
    n_el = 4 * len(lay.reps)
    # (2) sum_lambda p_lambda h_lambda = g(rho_B(v))
    for c in range(4):
        rows.append(np.full(hidden.shape[0], n_el + c))
        cols.append(lay.n_q + lay.p_index)
        vals.append(hidden[:, c])
    # (3) Q(lambda, r) + Q(lambda, -r) - p_lambda = 0, one row per variable of a representative r
    neg = np.concatenate([np.arange(m, 2 * m), np.arange(m)])
    pairs = {}
    for r in lay.reps:
        var, first = np.unique(lay.q_index[r], return_index=True)
        for v_idx, lam in zip(var, first):
            key = (int(v_idx), int(lay.q_index[neg[r], lam]), int(lay.n_q + lay.p_index[lam]))
            pairs[tuple(sorted(key[:2])) + key[2:]] = key
    n_pair = len(pairs)
    base = n_el + 4
    for j, (a, b, p) in enumerate(pairs.values()):
        rows.append(np.array([base + j] * 3))
        cols.append(np.array([a, b, p]))
        vals.append(np.array([1.0, 1.0, -1.0]) if a != b else np.array([2.0, 0.0, -1.0]))
    n_rows = base + n_pair
    rows.append(np.arange(n_el + 4))
    cols.append(np.full(n_el + 4, n_var - 1))
    delta = np.concatenate([(sig[1] - sig[0])[lay.reps].reshape(-1), marg[1] - marg[0]])
    vals.append(-delta)
    a_eq = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(n_rows, n_var))
    b_eq = np.concatenate([sig[0][lay.reps].reshape(-1), marg[0], np.zeros(n_pair)])
    c = np.zeros(n_var)
    c[-1] = -1.0
    upper = np.full(n_var, np.inf)
    upper[-1] = v_max
    x, duals = solve_lp_arrays(c, a_eq, b_eq, sp.csr_matrix((0, n_var)), upper, tol, time_limit)
    z, w = np.clip(x[:lay.n_q], 0.0, None), np.clip(x[lay.n_q:lay.n_q + lay.n_p], 0.0, None)
    p = w[lay.p_index]
    q = z[lay.q_index[:m]]
    dual_first, dual_marg = _averaged_duals(group, lay.reps, duals[:n_el].reshape(-1, 4), duals[n_el:n_el + 4], m)
    w_of_z = np.zeros(lay.n_q)
    w_of_z[lay.q_index[:m].reshape(-1)] = np.broadcast_to(p[None], (m, len(p))).reshape(-1)
    values = np.clip(np.divide(z, w_of_z, out=np.zeros_like(z), where=w_of_z > 0), 0.0, 1.0)
    gen_d, gen_h = generators(group)
    return LpSolution(float(x[-1]), p, np.minimum(q, p[None]), dual_first, dual_marg,
                      {"generators_directions": gen_d, "generators_hidden": gen_h, "values": values})


def _averaged_duals(group: LpGroup, reps: np.ndarray, y_reps: np.ndarray, y_marg: np.ndarray,
                    m: int) -> tuple[np.ndarray, np.ndarray]:
    """Duals of the full LP's rows from the group average of the reduced functional
    f(sigma) = sum_r y_r . g(sigma_{+|r}) + y_m . g(rho_B): average f(L_g^-1 sigma_{+|g d}) over g,
    then write sigma_{+|-u_x} = rho_B - sigma_{+|u_x}."""
    inv_t = np.transpose(np.linalg.inv(group.bob), (0, 2, 1))  # L^-T
    coef = np.zeros((2 * m, 4))
    for k in range(group.order):
        np.add.at(coef, group.dirs[k, reps], y_reps @ inv_t[k].T)
    coef /= group.order
    c_marg = (inv_t @ y_marg).mean(axis=0)
    return coef[:m] - coef[m:], c_marg + coef[m:].sum(axis=0)


def generators(group: LpGroup) -> tuple[np.ndarray, np.ndarray]:
    """A few elements (as permutations of the signed directions and of the hidden states) that
    generate the group: what a certificate stores instead of all K elements."""
    chosen: list[int] = []
    have = 1
    for k in range(group.order):
        if have == group.order:
            break
        trial = closure(group.dirs[chosen + [k]], group.hidden[chosen + [k]])
        if len(trial[0]) > have:
            chosen.append(k)
            have = len(trial[0])
    return group.dirs[chosen], group.hidden[chosen]


def closure(gen_dirs: np.ndarray, gen_hidden: np.ndarray, limit: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """All products of the generator permutations (K, 2m) and (K, N), identity included. Raises
    ValueError for arrays that are not permutations or a group larger than `limit`."""
    gd, gh = np.asarray(gen_dirs, dtype=np.int64), np.asarray(gen_hidden, dtype=np.int64)
    n_d, n = gd.shape[1], gh.shape[1]
    for g in (*gd, *gh):
        if not np.array_equal(np.sort(g), np.arange(len(g))):
            raise ValueError("a symmetry generator is not a permutation")
    elems = [np.concatenate([np.arange(n_d), np.arange(n)])]
    gens = [np.concatenate([a, b]) for a, b in zip(gd, gh)]
    seen = {elems[0].tobytes()}
    frontier = list(elems)
    while frontier:
        new = []
        for e in frontier:
            for g in gens:
                prod = np.concatenate([g[:n_d][e[:n_d]], g[n_d:][e[n_d:]]])
                key = prod.tobytes()
                if key not in seen:
                    seen.add(key)
                    new.append(prod)
        elems.extend(new)
        frontier = new
        if len(elems) > limit:
            raise ValueError(f"the symmetry generators give more than {limit} elements")
    arr = np.array(elems)
    return arr[:, :n_d], arr[:, n_d:]


def expand_responses(orbits: dict, m: int) -> np.ndarray:
    """Responses (m, N) of a model stored in orbit form: value of the orbit of (lambda, +u_x)."""
    pd, ph = closure(orbits["generators_directions"], orbits["generators_hidden"])
    values = np.asarray(orbits["values"], float)
    if pd.shape[1] != 2 * m:
        raise ValueError("symmetry generators do not act on the certificate's directions")
    lay = _layout(pd, ph)
    if lay.n_q != len(values):
        raise ValueError(f"{len(values)} orbit values for {lay.n_q} orbits")
    return values[lay.q_index[:m]]
