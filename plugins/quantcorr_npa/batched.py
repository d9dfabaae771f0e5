"""Batched NPA membership in the CHSH (2222) scenario: many points, one vectorised solver.

Coordinates (REFERENCE.md section 6): space 8 is p = (<A0>, <A1>, <B0>, <B1>, E00, E01, E10,
E11); space 4 is (E00, E01, E10, E11) with zero marginals. The moment matrix is written for +-1
observables (`words.py`, involution form; at every level it spans the same operators as the
Collins-Gisin projector form, so it describes the same set Q_level). With data u it reads

    M(lambda, z) = I + lambda * U(u) + sum_i z_i F_i,

since every diagonal moment is <w^dagger w> = 1 and no off-diagonal word reduces to 1. So
lambda = 0, z = 0 is strictly feasible and

    lambda*(u) = max { lambda : M(lambda, z) >= 0 for some z }  (intersected with the NS polytope)

is found by a barrier method run on all points at once with numpy (damped Newton on
-t lambda - log det M, Nesterov's step 1/(1 + decrement) keeps every iterate strictly feasible).
Every answer comes with a verified bracket lower <= lambda* <= upper:
- lower: the lambda of an iterate whose M passed a Cholesky factorisation (primal feasible);
- upper: tr(Y) for an exactly dual-feasible Y built from the central-path dual t^-1 M^-1: the
  entries of each free word are projected to sum 0 (tr(Y F_i) = 0), Y is scaled to tr(Y U) = -1
  and shifted by its most negative eigenvalue times I (U and F_i have zero diagonals, so the
  shift keeps both equalities). For feasible (lambda, z): 0 <= tr(Y M) = tr(Y) - lambda.
A point p is in Q_level iff lambda*(p) >= 1 (the set is convex and contains 0, white noise);
`contains` stops as soon as lower >= 1 or upper < 1. Points within the tolerance of the
boundary are decided by the bracket's midpoint.

The NS polytope (p(a,b|x,y) >= 0) is intersected explicitly; from level 1+AB on it is implied.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from quantcorr.errors import DimensionError, OptionError

from .words import LEVELS, moment_structure

_SIGNS = np.array([1.0, -1.0])
MU = 20.0  # barrier parameter growth once an iterate is centred
CENTRED = 0.25  # Newton decrement below which an iterate counts as centred


def _ns_scaling(points: np.ndarray) -> np.ndarray:
    """Largest lambda with every p(a,b|x,y) of lambda * u non-negative (space 8 coordinates)."""
    a, b, e = points[:, :2], points[:, 2:4], points[:, 4:].reshape(-1, 2, 2)
    # 4 p(ab|xy) - 1 = lambda * (s_a A_x + s_b B_y + s_a s_b E_xy)
    lin = (_SIGNS[None, None, None, :, None] * a[:, :, None, None, None]
           + _SIGNS[None, None, None, None, :] * b[:, None, :, None, None]
           + np.multiply.outer(_SIGNS, _SIGNS)[None, None, None] * e[:, :, :, None, None])
    worst = lin.reshape(len(points), -1).min(axis=1)
    with np.errstate(divide="ignore"):
        return np.where(worst < 0, 1.0 / np.maximum(-worst, 1e-300), np.inf)


class NpaBatch:
    """Membership in, and largest scalings into, the NPA set Q_level of the CHSH scenario.

    `NpaBatch(level, space)` compiles the moment structure once; `contains(points)` and
    `max_scaling(directions)` take arrays (N, space). `progress(k)` is called after every chunk
    with the number of points finished so far. `tol` is the bracket width at which a point is
    settled; `chunk` bounds the points solved together (memory)."""

    def __init__(self, level: str = "1+AB", space: int = 8, *, tol: float = 1e-7, chunk: int | None = None,
                 max_iter: int = 400) -> None:
        if level not in LEVELS:
            raise OptionError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
        if space not in (4, 8):
            raise OptionError(f"space must be 4 (correlators) or 8 (CHSH coordinates), got {space!r}")
        if not 0 < tol < 1e-2:
            raise OptionError(f"tol must lie in (0, 0.01), got {tol!r}")
        self.level, self.space, self.tol, self.max_iter = level, space, tol, max_iter
        st = moment_structure((2, 2), (2, 2), level, "involution")
        basis = st.basis()
        n = st.size
        assert np.array_equal(basis[0], np.eye(n)), "identity must fill the diagonal"
        keys = [("A", 0, 0), ("A", 1, 0), ("B", 0, 0), ("B", 1, 0)] + \
               [("AB", x, y, 0, 0) for x in range(2) for y in range(2)]
        pos = {k: i for i, k in enumerate(st.data_key)}
        self._data = np.stack([basis[pos[k]] for k in keys])  # (8, n, n)
        free = basis[st.n_data:]  # (m, n, n)
        self._free = free
        self._free_norm = np.einsum("kab,kab->k", free, free)
        self.n, self.n_free = n, len(free)
        self.chunk = chunk or max(64, int(4e7 // (8 * (1 + self.n_free) * n * n)))

    # ------------------------------------------------------------------ public API
    def contains(self, points: np.ndarray, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Bool (N,): whether each point lies in Q_level (and in the NS polytope)."""
        lo, hi = self._run(points, target=1.0, progress=progress)
        return np.where(lo >= 1.0, True, np.where(hi < 1.0, False, 0.5 * (lo + hi) >= 1.0))

    def max_scaling(self, directions: np.ndarray, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """lambda* (N,): the largest lambda with lambda * u in Q_level (inf for u = 0): the middle
        of the verified bracket (its lower end where no upper bound was found)."""
        lo, hi = self.max_scaling_bracket(directions, progress)
        with np.errstate(invalid="ignore"):
            return np.where(np.isinf(lo), np.inf, np.where(np.isinf(hi), lo, 0.5 * (lo + hi)))

    def max_scaling_bracket(self, directions: np.ndarray,
                            progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) verified bounds on lambda* (see the module docstring)."""
        return self._run(directions, target=None, progress=progress)

    # ------------------------------------------------------------------ internals
    def _as_points(self, points: np.ndarray) -> np.ndarray:
        try:
            pts = np.asarray(points, dtype=float)
        except (TypeError, ValueError) as exc:
            raise DimensionError(f"points: cannot be read as a real array ({exc})") from None
        if pts.ndim == 1:
            pts = pts[None]
        if pts.ndim != 2 or pts.shape[1] != self.space:
            raise DimensionError(f"points: expected shape (N, {self.space}), got {np.shape(points)}")
        if not np.all(np.isfinite(pts)):
            raise DimensionError("points: contain NaN or infinite entries")
        if self.space == 4:
            pts = np.concatenate([np.zeros((len(pts), 4)), pts], axis=1)
        return pts

    def _run(self, points, target, progress):
        pts = self._as_points(points)
        N = len(pts)
        lo, hi = np.zeros(N), np.full(N, np.inf)
        ns = _ns_scaling(pts)
        nonzero = np.abs(pts).max(axis=1) > 0
        todo = np.flatnonzero(nonzero if target is None else nonzero & (ns >= target))
        lo[~nonzero] = np.inf
        if target is not None:  # outside NS: settled without the SDP
            out = nonzero & (ns < target)
            lo[out], hi[out] = 0.0, ns[out]
        done = N - len(todo)
        for start in range(0, len(todo), self.chunk):
            idx = todo[start:start + self.chunk]
            lo[idx], hi[idx] = self._solve(pts[idx], target)
            done += len(idx)
            if progress is not None:
                progress(done)
        if progress is not None and not len(todo):
            progress(done)
        cap = np.isfinite(ns) & nonzero
        hi[cap] = np.minimum(hi[cap], ns[cap])
        lo[cap] = np.minimum(lo[cap], ns[cap])
        return lo, hi

    def _matrices(self, U: np.ndarray, x: np.ndarray) -> np.ndarray:
        n = self.n
        free = (x[:, 1:] @ self._free.reshape(self.n_free, n * n)).reshape(-1, n, n)
        return np.eye(n) + x[:, :1, None] * U + free

    def _upper(self, S: np.ndarray, U: np.ndarray) -> np.ndarray:
        """tr(Y) of an exactly dual-feasible Y built from S (~ t^-1 M^-1; inf where none is found)."""
        n, m = self.n, self.n_free
        F = self._free.reshape(m, n * n)
        coef = (S.reshape(-1, n * n) @ F.T) / self._free_norm
        Y = S - (coef @ F).reshape(-1, n, n)
        c = -np.einsum("nab,nab->n", Y, U)
        ok = c > 0
        Y = Y / np.where(ok, c, 1.0)[:, None, None]
        low = np.linalg.eigvalsh(Y)[:, 0]
        scale = np.abs(Y).max(axis=(1, 2))
        up = np.trace(Y, axis1=1, axis2=2) + n * (np.maximum(0.0, -low) + 1e-12 * scale)
        return np.where(ok, up, np.inf)

    def _solve(self, pts: np.ndarray, target: float | None):
        N, n, m = len(pts), self.n, self.n_free
        K = 1 + m
        U_all = np.einsum("nk,kab->nab", pts, self._data)
        Ft = self._free.transpose(1, 0, 2).reshape(n, m * n)  # [b, (k, c)] = F_k[b, c]
        x = np.zeros((N, K))
        t = np.ones(N)
        lo, hi = np.zeros(N), np.full(N, np.inf)
        act = np.arange(N)
        M = np.broadcast_to(np.eye(n), (N, n, n)).copy()
        for _ in range(self.max_iter):
            if not len(act):
                break
            U, xa, ta, Ma = U_all[act], x[act], t[act], M[act]
            S, ok = _inverse(Ma)
            if not ok.all():  # numerically singular: keep the bracket found so far
                act, U, xa, ta, Ma, S = act[ok], U[ok], xa[ok], ta[ok], Ma[ok], S[ok]
            na = len(act)
            SF = (S.reshape(na * n, n) @ Ft).reshape(na, n, m, n).transpose(0, 2, 1, 3)
            SG = np.concatenate([(S @ U)[:, None], SF], axis=1).reshape(na, K, n * n)
            SGt = SG.reshape(na, K, n, n).transpose(0, 1, 3, 2).reshape(na, K, n * n)
            g = -SG[:, :, :: n + 1].sum(axis=2)  # -tr(S G_k)
            g[:, 0] -= ta
            H = SG @ SGt.transpose(0, 2, 1)  # tr(S G_j S G_k)
            H += 1e-14 * H[:, np.arange(K), np.arange(K)].max(axis=1)[:, None, None] * np.eye(K)
            step = _solve_spd(H, g)
            dec = np.sqrt(np.maximum(-np.einsum("nk,nk->n", g, step), 0.0))
            stuck = ~np.isfinite(dec)
            step[stuck], dec[stuck] = 0.0, 0.0
            centred = dec < CENTRED
            if centred.any():  # dual bound from the current (nearly central) iterate
                c = np.flatnonzero(centred)
                hi[act[c]] = np.minimum(hi[act[c]], self._upper(S[c] / ta[c, None, None], U[c]))
                t[act[c]] *= MU
            alpha = np.where(dec > 0.25, 1.0 / (1.0 + dec), 1.0)
            xn = xa + alpha[:, None] * step
            Mn = self._matrices(U, xn)
            feasible = self._feasible(Mn)
            for _half in range(30):  # numerical safeguard; the damped step is feasible in theory
                if feasible.all():
                    break
                alpha = np.where(feasible, alpha, 0.5 * alpha)
                xn = xa + alpha[:, None] * step
                Mn = self._matrices(U, xn)
                feasible = self._feasible(Mn)
            xn[~feasible], Mn[~feasible] = xa[~feasible], Ma[~feasible]
            x[act], M[act] = xn, Mn
            lo[act] = np.maximum(lo[act], np.where(feasible, xn[:, 0], 0.0))
            la, ha = lo[act], hi[act]
            finished = (ha - la <= self.tol * np.maximum(1.0, np.abs(la)))
            if target is not None:
                finished |= (la >= target) | (ha < target)
            act = act[~finished]
        return lo, hi

    @staticmethod
    def _feasible(M: np.ndarray) -> np.ndarray:
        finite = np.isfinite(M).all(axis=(1, 2))
        M = np.where(finite[:, None, None], M, 0.0)
        try:
            np.linalg.cholesky(M[finite])
            return finite
        except np.linalg.LinAlgError:
            return finite & (np.linalg.eigvalsh(M)[:, 0] > 0)


def _inverse(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(inverses, ok): batched inverse; points whose matrix is numerically singular get ok False."""
    try:
        return np.linalg.inv(M), np.ones(len(M), bool)
    except np.linalg.LinAlgError:
        out, ok = np.zeros_like(M), np.ones(len(M), bool)
        for i, m in enumerate(M):
            try:
                out[i] = np.linalg.inv(m)
            except np.linalg.LinAlgError:
                ok[i] = False
        return out, ok


def _solve_spd(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Newton steps -H^-1 g per point (NaN where H is singular)."""
    try:
        return -np.linalg.solve(H, g[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        out = np.full_like(g, np.nan)
        for i in range(len(g)):
            try:
                out[i] = -np.linalg.solve(H[i], g[i])
            except np.linalg.LinAlgError:
                pass
        return out
