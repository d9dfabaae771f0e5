"""Shared machinery of the steering SDPs: deterministic strategies, a small conic-program form
solved by Clarabel / SCS (directly) or MOSEK (through cvxpy) with an honest fallback chain, and
exact numpy re-checks of the certificates the SDPs return.

Conventions (party 0..n-1 steer, the last party is trusted):
- An assemblage `sigma` of n steering parties has shape (m,)*n + (o,)*n + (d, d); its *rows*
  are the (x_1..x_n, a_1..a_n) in C order, so `sigma.reshape(-1, d, d)` lists them.
- A deterministic strategy lambda assigns every party k and setting x an outcome lambda[k, x];
  `strategy_matrix` returns D (rows, strategies) with D[r, lambda] = prod_k [lambda[k, x_k] = a_k].
- A steering inequality is F of the assemblage's shape: sum_r tr(F_r sigma_r) <= lhs_bound for
  every LHS assemblage (total trace 1), with lhs_bound = max_lambda lambda_max(sum_r D[r, lambda] F_r).
- Hermitian d x d operators are handled in the orthonormal basis gell_mann(d)/sqrt(2); PSD cones
  constrain the real 2d x 2d embedding [[Re M, -Im M], [Im M, Re M]].
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence, Union

import numpy as np
import scipy.sparse as sp

from quantcorr.linalg import gell_mann

SOLVERS = ("clarabel", "scs", "mosek")
CERT_MARGIN = 1e-9  # relative margin above floating error before a violation counts


# ---------------------------------------------------------------- strategies and rows

Counts = Union[int, Sequence[int]]


def _per_party(n_parties: int, counts: Counts, what: str) -> tuple[int, ...]:
    """One count per steering party from an int (shared) or a sequence (one per party)."""
    if isinstance(counts, (int, np.integer)):
        return (int(counts),) * n_parties
    out = tuple(int(c) for c in counts)
    if len(out) != n_parties:
        raise ValueError(f"{len(out)} {what} counts for {n_parties} steering parties")
    return out


def _local_strategies(settings: int, outcomes: int) -> np.ndarray:
    """(outcomes**settings, settings): every outcome assignment, in itertools.product order."""
    return np.indices((outcomes,) * settings).reshape(settings, -1).T.astype(int)


def strategies(n_parties: int, settings: Counts, outcomes: Counts) -> np.ndarray:
    """All deterministic strategies, int array (N, n_parties, max settings): entry [l, k, x] is the
    outcome of party k at setting x (-1 beyond party k's own settings). N = prod_k o_k**m_k;
    strategies are the product of the parties' local ones, party 0 slowest (C order)."""
    ms, os_ = _per_party(n_parties, settings, "setting"), _per_party(n_parties, outcomes, "outcome")
    local = [_local_strategies(m, o) for m, o in zip(ms, os_)]
    idx = np.indices(tuple(len(l) for l in local)).reshape(n_parties, -1)
    out = np.full((idx.shape[1], n_parties, max(ms)), -1, int)
    for k, l in enumerate(local):
        out[:, k, :ms[k]] = l[idx[k]]
    return out


def n_strategies(n_parties: int, settings: Counts, outcomes: Counts) -> int:
    ms, os_ = _per_party(n_parties, settings, "setting"), _per_party(n_parties, outcomes, "outcome")
    return int(np.prod([o ** m for m, o in zip(ms, os_)], dtype=object))


def strategy_matrix(n_parties: int, settings: Counts, outcomes: Counts) -> tuple[np.ndarray, np.ndarray]:
    """(D, strategies): D of shape (prod m_k * prod o_k, N), rows in C order of the assemblage axes
    (x_1..x_n, a_1..a_n), columns in the order of `strategies`. D is the Kronecker product of the
    parties' local matrices D_k[(x, a), l] = [l(x) = a], with the rows regrouped."""
    ms, os_ = _per_party(n_parties, settings, "setting"), _per_party(n_parties, outcomes, "outcome")
    strat = strategies(n_parties, ms, os_)
    if n_parties == 1:
        local = _local_strategies(ms[0], os_[0])  # fast path: one comparison
        D = (local.T[:, None, :] == np.arange(os_[0])[None, :, None]).reshape(ms[0] * os_[0], -1)
        return D.astype(float), strat
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if 3 * n_parties > len(letters):
        raise ValueError(f"too many steering parties ({n_parties})")
    xs, as_, ls = (letters[i * n_parties:(i + 1) * n_parties] for i in range(3))
    ops = []
    for m, o in zip(ms, os_):
        local = _local_strategies(m, o)
        ops.append((local.T[:, None, :] == np.arange(o)[None, :, None]).astype(float))  # (m, o, N_k)
    spec = ",".join(f"{xs[k]}{as_[k]}{ls[k]}" for k in range(n_parties)) + "->" + xs + as_ + ls
    D = np.einsum(spec, *ops).reshape(int(np.prod(ms)) * int(np.prod(os_)), -1)
    return D, strat


def shape_counts(sigma: np.ndarray, n_parties: int) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """(settings per party, outcomes per party, d) of an assemblage (or inequality) array."""
    return tuple(sigma.shape[:n_parties]), tuple(sigma.shape[n_parties:2 * n_parties]), sigma.shape[-1]


def shape_info(sigma: np.ndarray, n_parties: int) -> tuple[int, int, int]:
    """(settings, outcomes, d) of an assemblage array whose parties share setting/outcome counts."""
    ms, os_, d = shape_counts(sigma, n_parties)
    if len(set(ms)) != 1 or len(set(os_)) != 1:
        raise ValueError(f"parties with different setting/outcome counts {sigma.shape[:2 * n_parties]}")
    return ms[0], os_[0], d


def independent_rows(D: np.ndarray) -> np.ndarray:
    """Indices of a maximal set of linearly independent rows of D (pivoted QR; any D). For a
    no-signalling assemblage, matching these rows implies matching all rows."""
    import scipy.linalg

    _, r, piv = scipy.linalg.qr(D.T, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > 1e-9 * max(1.0, diag.max(initial=0.0))))
    return np.sort(piv[:rank])


def closed_form_rows(n_parties: int, settings: Counts, outcomes: Counts) -> np.ndarray:
    """Independent rows of `strategy_matrix` in closed form (no linear algebra).

    One party with m settings and o outcomes: the rows (x, a) with a < o - 1 for every x, plus
    the full setting x = 0 (all its o rows), m (o - 1) + 1 rows. They span every row because
    sum_a D[(x, a)] = 1 for every x, so D[(x, o-1)] = sum_a D[(0, a)] - sum_{a<o-1} D[(x, a)];
    they are independent because that is the rank of D (the local deterministic polytope has
    dimension m (o - 1), plus one for the constant row). The same relations hold for the rows of
    a no-signalling assemblage (sum_a sigma_{a|x} = rho_B for every x), so matching these rows
    matches all. Several parties: D is a Kronecker product of the local matrices, so the products
    of the local row sets are independent and spanning (rank of a Kronecker product = product of
    ranks); no-signalling gives the same relations party by party. Sorted, C order."""
    ms, os_ = _per_party(n_parties, settings, "setting"), _per_party(n_parties, outcomes, "outcome")
    keep = []
    for m, o in zip(ms, os_):
        x, a = np.indices((m, o))
        keep.append((a < o - 1) | (x == 0))  # (m, o) mask per party
    grids = np.indices(ms + os_).reshape(2 * n_parties, -1)
    mask = np.ones(grids.shape[1], bool)
    for k in range(n_parties):
        mask &= keep[k][grids[k], grids[n_parties + k]]
    return np.flatnonzero(mask)

# ---------------------------------------------------------------- Hermitian coordinates

@lru_cache(maxsize=16)
def herm_basis(d: int) -> np.ndarray:
    """Orthonormal Hermitian basis (d^2, d, d) under the Hilbert-Schmidt inner product."""
    return np.asarray(gell_mann(d)) / np.sqrt(2.0)


def to_coords(ops: np.ndarray) -> np.ndarray:
    """Real coordinates (..., d^2) of Hermitian operators (..., d, d)."""
    return np.einsum("kij,...ji->...k", herm_basis(ops.shape[-1]), ops).real


def from_coords(h: np.ndarray, d: int) -> np.ndarray:
    return np.einsum("...k,kij->...ij", h, herm_basis(d))


@lru_cache(maxsize=32)
def _embed_svec(d: int, lower: bool) -> np.ndarray:
    """Matrix (n(n+1)/2, d^2), n = 2d, taking coordinates to the scaled triangle (svec) of the real
    embedding: upper triangle column-major (Clarabel) or lower triangle column-major (SCS)."""
    n = 2 * d
    pairs = [(i, j) for j in range(n) for i in (range(j, n) if lower else range(j + 1))]
    out = np.zeros((len(pairs), d * d))
    for k, b in enumerate(herm_basis(d)):
        e = np.block([[b.real, -b.imag], [b.imag, b.real]])
        out[:, k] = [e[i, j] * (1.0 if i == j else np.sqrt(2.0)) for i, j in pairs]
    return out


def psd_part(ops: np.ndarray) -> np.ndarray:
    """Projection of Hermitian operators onto the PSD cone (negative eigenvalues set to zero)."""
    w, u = np.linalg.eigh(0.5 * (ops + np.conj(np.swapaxes(ops, -1, -2))))
    return (u * np.clip(w, 0.0, None)[..., None, :]) @ np.conj(np.swapaxes(u, -1, -2))


# ---------------------------------------------------------------- conic programs

@dataclass
class ConeProgram:
    """minimise c.x s.t. A_eq x = b_eq, A_le x <= b_le, and every Hermitian block
    H_j(x) = from_coords(C_psd x + h0)[j] (blocks of size d) is PSD."""

    c: np.ndarray
    A_eq: sp.csr_matrix
    b_eq: np.ndarray
    A_le: sp.csr_matrix
    b_le: np.ndarray
    C_psd: sp.csr_matrix
    h0: np.ndarray
    d: int
    soc: bool = True

    @property
    def n_blocks(self) -> int:
        return self.C_psd.shape[0] // (self.d * self.d)

    @property
    def uses_soc(self) -> bool:
        """Qubit blocks as second-order cones (`soc` and d = 2). In the basis (I, X, Y, Z)/sqrt2,
        H = (h0 I + h1 X + h2 Y + h3 Z)/sqrt2 has eigenvalues (h0 +- |(h1, h2, h3)|)/sqrt2, so
        H >= 0 iff h0 >= ||(h1, h2, h3)||: the coordinates lie in the Lorentz cone Q^4. The cone
        is self-dual with the same inner product, so the dual block w in Q^4 is again a PSD
        operator W = from_coords(w) and every program and dual is the same as in PSD form."""
        return self.soc and self.d == 2


@dataclass
class Solution:
    """Primal x, duals (y_eq for A_eq x = b_eq with c + A_eq'y_eq + A_le'y_le = C_psd'w, y_le >= 0)
    and Hermitian PSD duals W (n_blocks, d, d) >= 0. `status` is "optimal", "inaccurate",
    "infeasible" or "failed"; `attempts` lists every solver tried with its raw status."""

    status: str
    solver: str = ""
    x: np.ndarray | None = None
    y_eq: np.ndarray | None = None
    y_le: np.ndarray | None = None
    W: np.ndarray | None = None
    attempts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "optimal"

    def describe(self) -> str:
        return "; ".join(self.attempts)


def _stack(prog: ConeProgram, lower: bool) -> tuple[sp.csc_matrix, np.ndarray, sp.csr_matrix]:
    """Rows [A_eq; A_le; -T C_psd] and b, T taking block coordinates to the cone's own vector
    (the svec of the real embedding, or the coordinates themselves for second-order cones)."""
    T = sp.identity(4, format="csr") if prog.uses_soc else sp.csr_matrix(_embed_svec(prog.d, lower))
    Tb = sp.kron(sp.identity(prog.n_blocks, format="csr"), T, format="csr")
    A = sp.vstack([prog.A_eq, prog.A_le, -(Tb @ prog.C_psd)], format="csc")
    b = np.concatenate([prog.b_eq, prog.b_le, Tb @ prog.h0])
    return A, b, Tb


def _split(prog: ConeProgram, z: np.ndarray, Tb: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ne, nl = len(prog.b_eq), len(prog.b_le)
    w = Tb.T @ z[ne + nl:]
    return z[:ne], z[ne:ne + nl], from_coords(w.reshape(prog.n_blocks, -1), prog.d)


def _solve_clarabel(prog: ConeProgram, tol: float) -> Solution:
    import clarabel

    A, b, Tb = _stack(prog, lower=False)
    n = len(prog.c)
    cones = [clarabel.ZeroConeT(len(prog.b_eq)), clarabel.NonnegativeConeT(len(prog.b_le))]
    cones = [c for c, k in zip(cones, (len(prog.b_eq), len(prog.b_le))) if k]
    block = clarabel.SecondOrderConeT(4) if prog.uses_soc else clarabel.PSDTriangleConeT(2 * prog.d)
    cones += [block] * prog.n_blocks
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = tol
    sol = clarabel.DefaultSolver(sp.csc_matrix((n, n)), prog.c, A, b, cones, settings).solve()
    raw = str(sol.status).split(".")[-1]
    status = {"Solved": "optimal", "AlmostSolved": "inaccurate", "PrimalInfeasible": "infeasible",
              "DualInfeasible": "unbounded"}.get(raw, "failed")
    z = np.asarray(sol.z)
    y_eq, y_le, W = _split(prog, z, Tb)
    return Solution(status, "clarabel", np.asarray(sol.x), y_eq, y_le, W, [f"clarabel: {raw}"])


def _solve_scs(prog: ConeProgram, tol: float) -> Solution:
    import scs

    A, b, Tb = _stack(prog, lower=True)
    blocks = {"q": [4] * prog.n_blocks} if prog.uses_soc else {"s": [2 * prog.d] * prog.n_blocks}
    cone = {"z": len(prog.b_eq), "l": len(prog.b_le), **blocks}
    solver = scs.SCS({"A": A, "b": b, "c": prog.c}, cone, verbose=False, eps_abs=tol, eps_rel=tol,
                     max_iters=200_000)
    out = solver.solve()
    raw = out["info"]["status"]
    status = {1: "optimal", 2: "inaccurate", -2: "infeasible", -1: "unbounded"}.get(out["info"]["status_val"], "failed")
    y_eq, y_le, W = _split(prog, np.asarray(out["y"]), Tb)
    return Solution(status, "scs", np.asarray(out["x"]), y_eq, y_le, W, [f"scs: {raw}"])


def _solve_cvxpy(prog: ConeProgram, solver: str) -> Solution:
    """Generic cvxpy route (used for MOSEK); one PSD constraint per block."""
    import cvxpy as cp

    d = prog.d
    x = cp.Variable(len(prog.c))
    cons = []
    if len(prog.b_eq):
        cons.append(prog.A_eq @ x == prog.b_eq)
    if len(prog.b_le):
        cons.append(prog.A_le @ x <= prog.b_le)
    full = np.stack([np.block([[b.real, -b.imag], [b.imag, b.real]]).ravel() for b in herm_basis(d)], axis=1)
    Tb = sp.kron(sp.identity(prog.n_blocks, format="csr"), sp.csr_matrix(full), format="csr")
    vec = Tb @ prog.C_psd @ x + Tb @ prog.h0
    n = 2 * d
    psd = [cp.reshape(vec[j * n * n:(j + 1) * n * n], (n, n), order="C") >> 0 for j in range(prog.n_blocks)]
    problem = cp.Problem(cp.Minimize(prog.c @ x), cons + psd)
    problem.solve(solver=solver)
    raw = problem.status
    status = {"optimal": "optimal", "optimal_inaccurate": "inaccurate", "infeasible": "infeasible",
              "unbounded": "unbounded"}.get(raw, "failed")
    if x.value is None:
        return Solution(status, solver.lower(), attempts=[f"{solver.lower()}: {raw}"])
    y_eq = np.asarray(cons[0].dual_value) if len(prog.b_eq) else np.zeros(0)  # same signs as Clarabel
    y_le = np.asarray(cons[len(prog.b_eq) > 0].dual_value) if len(prog.b_le) else np.zeros(0)
    Z = np.stack([np.asarray(c.dual_value).ravel() for c in psd])
    W = from_coords(Z @ full, d)
    return Solution(status, solver.lower(), np.asarray(x.value), y_eq, y_le, W, [f"{solver.lower()}: {raw}"])


def mosek_importable() -> bool:
    return importlib.util.find_spec("mosek") is not None


def solver_chain(choice: str) -> list[str]:
    """"auto": MOSEK (only when importable; a missing licence just falls through), Clarabel, SCS."""
    if choice == "auto":
        return (["mosek"] if mosek_importable() else []) + ["clarabel", "scs"]
    if choice not in SOLVERS:
        raise ValueError(f"unknown SDP solver '{choice}'")
    return [choice]


def solve(prog: ConeProgram, choice: str = "auto", tol: float = 1e-8) -> Solution:
    """Try the solvers of `solver_chain(choice)` in turn until one reports an optimal solution.
    Returns that solution, or the last attempt (status not "optimal") with every attempt listed."""
    attempts: list[str] = []
    last = Solution("failed")
    for name in solver_chain(choice):
        try:
            if name == "clarabel":
                sol = _solve_clarabel(prog, tol)
            elif name == "scs":
                sol = _solve_scs(prog, max(tol, 1e-9))
            else:
                sol = _solve_cvxpy(prog, "MOSEK")
        except Exception as exc:  # missing module, licence, numerical breakdown
            sol = Solution("failed", name, attempts=[f"{name}: {type(exc).__name__}: {exc}"])
        attempts += sol.attempts
        last = sol
        if sol.ok or sol.status == "infeasible":
            break
    last.attempts = attempts
    return last


# ---------------------------------------------------------------- exact re-checks

def lhs_bound(F: np.ndarray, n_parties: int = 1) -> float:
    """Exact LHS bound of a steering inequality F (assemblage shape): the largest eigenvalue of
    sum_r D[r, lambda] F_r over all deterministic strategies lambda."""
    m, o, d = shape_counts(F, n_parties)
    D, _ = strategy_matrix(n_parties, m, o)
    Fr = F.reshape(-1, d, d)
    Fr = 0.5 * (Fr + np.conj(np.swapaxes(Fr, -1, -2)))
    ops = (D.T @ Fr.reshape(len(Fr), -1)).reshape(-1, d, d)
    return float(np.linalg.eigvalsh(ops)[:, -1].max())


def inequality_value(F: np.ndarray, sigma: np.ndarray) -> float:
    """sum_r tr(F_r sigma_r)."""
    d = F.shape[-1]
    return float(np.einsum("rij,rji->", F.reshape(-1, d, d), sigma.reshape(-1, d, d)).real)


def violation_margin(F: np.ndarray) -> float:
    """A margin well above the floating error of `inequality_value` and `lhs_bound`."""
    d = F.shape[-1]
    return CERT_MARGIN * max(1.0, float(np.linalg.norm(F.reshape(-1, d, d), ord=2, axis=(1, 2)).sum()))


def check_steering_inequality(F: np.ndarray, sigma: np.ndarray, n_parties: int = 1,
                              claimed_bound: float | None = None) -> tuple[bool, float, float]:
    """(certified, exact lhs_bound, value) for an inequality F on an assemblage sigma. Certified
    only if the value exceeds the exact bound by `violation_margin` and a claimed bound, when
    given, is not below the exact one (a forged or stale bound is rejected)."""
    F = np.asarray(F, complex)
    if F.shape != sigma.shape or not np.all(np.isfinite(F)):
        return False, float("nan"), float("nan")
    bound, value = lhs_bound(F, n_parties), inequality_value(F, sigma)
    margin = violation_margin(F)
    honest = claimed_bound is None or claimed_bound >= bound - margin
    return bool(honest and value > bound + margin), bound, value


def lhs_residual(hidden: np.ndarray, sigma: np.ndarray, n_parties: int = 1,
                 columns: np.ndarray | None = None) -> float:
    """Largest trace norm of sum_lambda D[r, lambda] hidden_lambda - sigma_r over rows r, for the
    hidden states (n_strategies, d, d) after projecting them onto the PSD cone. `columns` (optional)
    names the strategies the hidden states belong to; the others carry no weight."""
    m, o, d = shape_counts(sigma, n_parties)
    D, _ = strategy_matrix(n_parties, m, o)
    if columns is not None:
        D = D[:, columns]
    model = (D @ psd_part(hidden).reshape(len(hidden), -1)).reshape(-1, d, d)
    diff = model - sigma.reshape(-1, d, d)
    return float(np.abs(np.linalg.eigvalsh(0.5 * (diff + np.conj(np.swapaxes(diff, -1, -2))))).sum(-1).max())
