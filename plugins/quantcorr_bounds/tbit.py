"""Explicit t-bit simulation models of a one-party assemblage (upper bounds on the cost).

A t-bit model (Sainz et al., PRA 94, 012308 (2016)): a shared hidden variable l = (output
strategy lambda, message function f: settings -> {0..M-1}), M = 2^t; Alice outputs lambda(x) and
sends f(x); Bob prepares S_{l, f(x)} >= 0 with tr S_{l, k} = p_l for every k. So
sigma_{a|x} = sum_l [lambda(x) = a] S_{l, f(x)}.

Two reductions, both exact (no model is lost):
1. Message functions only matter up to relabelling the messages (permute the S_{l, k} with them),
   so f is a set partition P of the settings; and a partition can be refined without loss (Bob
   prepares the same state for the split messages, still with trace p_l), so only partitions
   into exactly b = min(M, m) blocks are needed: S(m, b) (Stirling) instead of M^m functions.
2. For fixed P, only the outcomes of lambda on each block matter for that block's states. With
   T_{P, B, mu} = sum_{lambda: lambda|_B = mu} S_{(lambda, P), B} the model reads
       sigma_{a|x} = sum_P sum_{mu in O^B(x): mu(x) = a} T_{P, B(x), mu},
       T >= 0,  sum_mu tr T_{P, B, mu} = q_P for every block B of P,
   and conversely any such T comes from a full model: take p(lambda | P) = prod_B tr T_{P, B,
   lambda|_B} / q_P (a product of the block marginals) and S = T p / tr T. So a t-bit model is a
   mixture over partitions of assemblages that are LHS on each block with equal block weights;
   the SDP has sum_P sum_B o^|B| PSD blocks instead of o^m * S(m, b) * b.
With M >= m Alice sends x: the singleton partition with T_{x, a} = sigma_{a|x} is exact.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from math import comb

import numpy as np
import scipy.sparse as sp

from quantcorr.errors import ProblemTooLargeError
from quantcorr_sdp import sdp_core as core

MAX_BLOCKS = 20_000
MAX_VARIABLES = 400_000


@lru_cache(maxsize=None)
def stirling2(n: int, k: int) -> int:
    if n == k:
        return 1
    if k == 0 or k > n:
        return 0
    return k * stirling2(n - 1, k) + stirling2(n - 1, k - 1)


def partitions(m: int, b: int) -> list[np.ndarray]:
    """Set partitions of range(m) into exactly b blocks, as restricted-growth message functions
    f (f[0] = 0, f[x] <= max(f[:x]) + 1): one representative per relabelling of messages."""
    out: list[np.ndarray] = []

    def grow(prefix: list[int], top: int) -> None:
        if len(prefix) == m:
            if top + 1 == b:
                out.append(np.array(prefix, int))
            return
        if top + 1 + (m - len(prefix)) < b:
            return
        for k in range(min(top + 2, b)):
            grow(prefix + [k], max(top, k))

    grow([0], 0)
    return out


def n_blocks(m: int, o: int, b: int) -> int:
    """sum over partitions into b blocks of sum over blocks B of o^|B| (PSD blocks of the SDP)."""
    return sum(comb(m, s) * o**s * stirling2(m - s, b - 1) for s in range(1, m - b + 2))


def check_size(m: int, o: int, d: int, bits: int) -> int:
    b = min(2**bits, m)
    count = n_blocks(m, o, b)
    if count > MAX_BLOCKS or count * d * d > MAX_VARIABLES:
        raise ProblemTooLargeError(f"{bits}-bit model for {m} settings x {o} outcomes: {count} hidden states "
                                   f"({stirling2(m, b)} message partitions) of dimension {d}, above the limit of "
                                   f"{MAX_BLOCKS} states / {MAX_VARIABLES} variables; use fewer settings")
    return count


@dataclass
class Layout:
    """The PSD blocks of a t-bit model: for block j, its partition index, message (block label),
    outcomes (m,) with -1 on settings outside the block, and the model matrix M (rows (x, a), j)."""

    messages: np.ndarray  # (n_partitions, m)
    block_partition: np.ndarray
    block_message: np.ndarray
    block_outcomes: np.ndarray
    M: np.ndarray


def layout(m: int, o: int, bits: int) -> Layout:
    b = min(2**bits, m)
    parts = partitions(m, b)
    bp, bm, bo = [], [], []
    for p, f in enumerate(parts):
        for k in range(b):
            xs = np.flatnonzero(f == k)
            for mu in itertools.product(range(o), repeat=len(xs)):
                row = -np.ones(m, int)
                row[xs] = mu
                bp.append(p), bm.append(k), bo.append(row)
    bo_arr = np.array(bo, int).reshape(-1, m)
    M = np.zeros((m * o, len(bo)))
    for j, row in enumerate(bo_arr):
        xs = np.flatnonzero(row >= 0)
        M[xs * o + row[xs], j] = 1.0
    return Layout(np.array(parts, int).reshape(-1, m), np.array(bp, int), np.array(bm, int), bo_arr, M)


def _trace_rows(lay: Layout, d: int) -> sp.csr_matrix:
    """Rows (one per partition and block > 0): sum_mu tr T_{P,B,mu} - sum_mu tr T_{P,0,mu} = 0."""
    tr = sp.csr_matrix(core.to_coords(np.eye(d))[None, :])
    rows, cols, vals = [], [], []
    n_msg = lay.messages.max(initial=0) + 1
    r = 0
    for p in range(len(lay.messages)):
        for msg in range(1, n_msg):
            for j in np.flatnonzero((lay.block_partition == p) & (lay.block_message == msg)):
                rows.append(r), cols.append(j), vals.append(1.0)
            for j in np.flatnonzero((lay.block_partition == p) & (lay.block_message == 0)):
                rows.append(r), cols.append(j), vals.append(-1.0)
            r += 1
    sel = sp.csr_matrix((vals, (rows, cols)), shape=(r, lay.M.shape[1]))
    return sp.kron(sel, tr, format="csr")


def program(lay: Layout, s1: np.ndarray, s0: np.ndarray) -> tuple[core.ConeProgram, np.ndarray]:
    """max v s.t. v s1 + (1 - v) s0 = sum T (model rows), equal block traces, v <= 1, T >= 0.
    Equalities on the linearly independent rows of the model matrix (the model is re-checked on
    every row afterwards)."""
    d = s1.shape[-1]
    k = d * d
    nT = lay.M.shape[1]
    ind = core.independent_rows(lay.M)
    c0 = core.to_coords(s0.reshape(-1, d, d))
    delta = core.to_coords(s1.reshape(-1, d, d)) - c0
    model = sp.hstack([sp.kron(sp.csr_matrix(lay.M[ind]), sp.identity(k), format="csr"),
                       sp.csr_matrix(-delta[ind].reshape(-1, 1))], format="csr")
    traces = _trace_rows(lay, d)
    traces = sp.hstack([traces, sp.csr_matrix((traces.shape[0], 1))], format="csr")
    A_eq = sp.vstack([model, traces], format="csr")
    b_eq = np.concatenate([c0[ind].ravel(), np.zeros(traces.shape[0])])
    A_le = sp.csr_matrix(([1.0], ([0], [nT * k])), shape=(1, nT * k + 1))
    c = np.zeros(nT * k + 1)
    c[-1] = -1.0
    C = sp.hstack([sp.identity(nT * k, format="csr"), sp.csr_matrix((nT * k, 1))], format="csr")
    return core.ConeProgram(c, A_eq, b_eq, A_le, np.ones(1), C, np.zeros(nT * k), d), ind


def recheck(lay: Layout, states: np.ndarray, sigma: np.ndarray) -> tuple[float, float]:
    """(residual, trace deviation) of a model with PSD `states` (nT, d, d) against sigma (m, o,
    d, d): largest trace norm of model - sigma over rows, and largest spread of the block weights
    sum_mu tr T_{P,B,mu} within one partition."""
    d = sigma.shape[-1]
    diff = np.einsum("rj,jab->rab", lay.M, states) - sigma.reshape(-1, d, d)
    diff = 0.5 * (diff + np.conj(np.swapaxes(diff, -1, -2)))
    res = float(np.abs(np.linalg.eigvalsh(diff)).sum(-1).max())
    tr = np.einsum("jaa->j", states).real
    n_msg = lay.messages.max(initial=0) + 1
    w = np.zeros((len(lay.messages), n_msg))
    np.add.at(w, (lay.block_partition, lay.block_message), tr)
    return res, float((w.max(1) - w.min(1)).max(initial=0.0))


@dataclass
class Model:
    """A re-checked t-bit model at visibility v (v = 1 for a fixed assemblage): `ok` when the
    residual and trace deviation are within tol."""

    bits: int
    v: float | None
    ok: bool
    residual: float
    trace_deviation: float
    layout: Layout | None
    states: np.ndarray | None
    status: str
    n_states: int

    def certificate(self) -> dict:
        """JSON-ready model; partitions with (numerically) zero weight are dropped."""
        if self.layout is None or self.states is None:
            return {"bits": self.bits, "v": self.v, "status": self.status}
        lay = self.layout
        tr = np.einsum("jaa->j", self.states).real
        keep = tr > 1e-12
        return {"bits": self.bits, "v": self.v, "residual": self.residual, "trace_deviation": self.trace_deviation,
                "message_functions": lay.messages, "block_partition": lay.block_partition[keep],
                "block_message": lay.block_message[keep], "block_outcomes": lay.block_outcomes[keep],
                "states": self.states[keep]}


MODEL_DESCRIPTION = ("t-bit model: partition p sends message message_functions(p, x); block j (of partition "
                     "block_partition(j), message block_message(j)) pairs Bob's unnormalised state states(j) with "
                     "Alice's outcomes block_outcomes(j) (-1 off the block); sigma(a|x) sums the blocks with "
                     "message f(x) and outcome a at x; block weights are equal within a partition")


def send_setting(sigma: np.ndarray) -> Model:
    """Exact model with ceil(log2 m) bits: Alice sends x, T_{{x}, a} = sigma_{a|x}."""
    m, o, d = sigma.shape[0], sigma.shape[1], sigma.shape[-1]
    bits = int(np.ceil(np.log2(m))) if m > 1 else 0
    lay = layout(m, o, bits)
    states = np.zeros((lay.M.shape[1], d, d), complex)
    for j, row in enumerate(lay.block_outcomes):
        x = int(np.flatnonzero(row >= 0)[0])
        states[j] = sigma[x, row[x]]
    res, dev = recheck(lay, states, sigma)
    return Model(bits, 1.0, True, res, dev, lay, states, "exact (Alice sends x)", len(states))


def max_visibility(s1: np.ndarray, s0: np.ndarray, bits: int, sdp_solver: str = "auto",
                   solver_tol: float = 1e-8, tol: float = 1e-6) -> Model:
    """Largest v <= 1 with a t-bit model of v s1 + (1 - v) s0 (one SDP: linear in v), re-checked.
    `ok` only if the re-checked residual and trace deviation are <= tol."""
    m, o, d = s1.shape[0], s1.shape[1], s1.shape[-1]
    count = check_size(m, o, d, bits)
    lay = layout(m, o, bits)
    prog, _ = program(lay, s1, s0)
    sol = core.solve(prog, sdp_solver, solver_tol)
    if sol.x is None or sol.status in ("infeasible", "failed", "unbounded"):
        return Model(bits, None, False, float("inf"), float("inf"), lay, None,
                     f"{sol.status}: {sol.describe()}", count)
    k = d * d
    v = float(min(max(sol.x[-1], 0.0), 1.0))
    states = core.psd_part(core.from_coords(sol.x[:-1].reshape(-1, k), d))
    res, dev = recheck(lay, states, v * s1 + (1 - v) * s0)
    ok = res <= tol and dev <= tol
    return Model(bits, v, ok, res, dev, lay, states, f"{sol.status} ({sol.describe()})", count)
