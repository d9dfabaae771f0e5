"""Block moment matrices of the almost-quantum test and the rigorous check of their dual.

Conventions. n black-box parties k = 0..n-1 with m_k settings and o_k outcomes steer Bob
(dimension dB, the last subsystem). Party k's projectors P^k_{a|x} keep the outcomes
a = 0..o_k-2 (the last one is 1 - sum of the others). A *word* is a product with at most one
projector per party: one entry per party, None or (x, a). The index set S holds every word
(the empty word first), so |S| = prod_k (1 + m_k (o_k - 1)).

The block moment matrix Gamma (|S| dB x |S| dB) has blocks Gamma[u, v] = sigma(u^dag v). Per
party u^dag v reduces to: None, one projector (x, a), zero (x = y, a != b), or an ordered pair
((x, a), (y, b)) with x != y. A reduced word whose parties all hold at most one projector is a
*data* word: its block is the marginal element sigma_{a_S|x_S} of the assemblage (the empty word
gives rho_B). Any other nonzero reduced word is *free*; equal words share a block and the
adjoint word holds the adjoint block (free words are never self-adjoint).

Rigorous dual bound (used by `check_functional`). For any Hermitian Z of Gamma's size and any
almost-quantum assemblage sigma' with moment matrix Gamma' >= 0:
    tr(Z Gamma') = sum_c tr(F_c sigma'_c) + sum_{free c} tr(R_c X'_c),
with F_c, R_c the sums of the blocks Z[v, u] over the positions (u, v) of class c. Since
tr(Z Gamma') >= min(lambda_min(Z), 0) tr(Gamma'), and every block of a PSD matrix has Frobenius
norm <= tr(Gamma') <= T := prod_k (1 + m_k) (the diagonal blocks are marginal elements of trace
<= 1, and the words of one party sum to at most m_k in trace), the functional
S(sigma) = -sum_c tr(F_c sigma_c) obeys S(sigma') <= T (max(-lambda_min(Z), 0) + sum_free ||R_c||_F)
on the whole almost-quantum set. S(sigma) above that bound certifies that sigma is post-quantum.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property
from typing import Optional

import numpy as np

PartyWord = Optional[tuple]  # None, (x, a) or ((x, a), (y, b))
ZERO = "zero"
FLOAT_MARGIN = 1e-12  # relative margin for floating-point error in the re-check


def _reduce(u: PartyWord, v: PartyWord):
    """u^dag v for one party (u, v each None or (x, a))."""
    if u is None:
        return v
    if v is None:
        return u
    if u[0] == v[0]:
        return u if u[1] == v[1] else ZERO
    return (u, v)


def _adjoint(word: tuple) -> tuple:
    return tuple(w[::-1] if w is not None and isinstance(w[0], tuple) else w for w in word)


def is_data(word: tuple) -> bool:
    return all(w is None or not isinstance(w[0], tuple) for w in word)


@dataclass(frozen=True)
class Scenario:
    """Settings and outcomes of the black-box parties and Bob's dimension."""

    settings: tuple[int, ...]
    outcomes: tuple[int, ...]
    dim: int

    @property
    def n_parties(self) -> int:
        return len(self.settings)

    @property
    def n_words(self) -> int:
        return int(np.prod([1 + m * (o - 1) for m, o in zip(self.settings, self.outcomes)]))

    @property
    def side(self) -> int:
        """Side of the complex moment matrix."""
        return self.n_words * self.dim

    @property
    def trace_bound(self) -> float:
        """T = prod_k (1 + m_k) >= tr(Gamma) for every almost-quantum moment matrix."""
        return float(np.prod([1 + m for m in self.settings]))

    @cached_property
    def words(self) -> list[tuple]:
        per_party = [[None] + [(x, a) for x in range(m) for a in range(o - 1)]
                     for m, o in zip(self.settings, self.outcomes)]
        words = list(itertools.product(*per_party))
        return sorted(words, key=lambda w: sum(p is not None for p in w))

    @cached_property
    def classes(self) -> dict[tuple, list[tuple[int, int]]]:
        """Reduced word -> positions (u, v); zero words are left out."""
        out: dict[tuple, list[tuple[int, int]]] = {}
        for i, u in enumerate(self.words):
            for j, v in enumerate(self.words):
                word = tuple(_reduce(a, b) for a, b in zip(u, v))
                if ZERO not in word:
                    out.setdefault(word, []).append((i, j))
        return out

    @cached_property
    def data_words(self) -> list[tuple]:
        return [w for w in self.classes if is_data(w)]

    @cached_property
    def free_pairs(self) -> list[tuple[tuple, tuple]]:
        """(word, adjoint word) once per pair of free classes."""
        seen, out = set(), []
        for w in self.classes:
            if not is_data(w) and w not in seen:
                adj = _adjoint(w)
                seen.update((w, adj))
                out.append((w, adj))
        return out

    def marginals(self, sigma: np.ndarray) -> np.ndarray:
        """Data blocks sigma_c (n_data, dB, dB) of an assemblage array sigma (m.., o.., dB, dB):
        parties absent from the word are summed out at setting 0 (no-signalling)."""
        out = []
        for word in self.data_words:
            idx = tuple(0 if w is None else w[0] for w in word)
            s = sigma[idx]  # (o1..on, d, d)
            sel = tuple(slice(None) if w is None else w[1] for w in word)
            s = s[sel]
            absent = tuple(range(sum(w is None for w in word)))
            out.append(s.sum(axis=absent) if absent else s)
        return np.array(out)


def scenario_of(sigma: np.ndarray, n_parties: int) -> Scenario:
    return Scenario(tuple(sigma.shape[:n_parties]), tuple(sigma.shape[n_parties:2 * n_parties]), sigma.shape[-1])


# ------------------------------------------------------------------ dual functional

def _block_sums(Z: np.ndarray, scen: Scenario, words: list[tuple]) -> np.ndarray:
    d = scen.dim
    Zb = Z.reshape(scen.n_words, d, scen.n_words, d).transpose(0, 2, 1, 3)  # Zb[v, u] = block (v, u)
    out = np.zeros((len(words), d, d), complex)
    for k, w in enumerate(words):
        pos = np.array(scen.classes[w])
        out[k] = Zb[pos[:, 1], pos[:, 0]].sum(0)
    return out


def project_dual(Z: np.ndarray, scen: Scenario) -> np.ndarray:
    """Hermitian part of Z with the free-class block sums removed (each block of a free class
    minus the class mean), so that the functional does not depend on the free blocks."""
    Z = 0.5 * (Z + Z.conj().T)
    d = scen.dim
    Zb = Z.reshape(scen.n_words, d, scen.n_words, d).copy()
    for w, adj in scen.free_pairs:
        for word in (w, adj):
            pos = np.array(scen.classes[word])
            mean = Zb[pos[:, 1], :, pos[:, 0], :].mean(0)
            Zb[pos[:, 1], :, pos[:, 0], :] -= mean
    Z = Zb.reshape(Z.shape)
    return 0.5 * (Z + Z.conj().T)


@dataclass
class FunctionalCheck:
    """Outcome of re-checking a dual certificate on an assemblage: value S(sigma), the rigorous
    almost-quantum bound, and whether value > bound."""

    value: float
    bound: float
    lambda_min: float
    residual: float
    violated: bool


def functional(Z: np.ndarray, scen: Scenario) -> np.ndarray:
    """The operators G_c (one per data word) with S(sigma) = sum_c tr(G_c sigma_c), G_c = -F_c."""
    return -_block_sums(0.5 * (Z + Z.conj().T), scen, scen.data_words)


def check_functional(Z: np.ndarray, scen: Scenario, sigma: np.ndarray) -> FunctionalCheck:
    """Re-check, in numpy and without trusting the solver, the steering functional of a dual
    matrix Z (Hermitian, side |S| dB) on the assemblage array sigma (see the module docstring)."""
    Z = 0.5 * (np.asarray(Z, complex) + np.asarray(Z, complex).conj().T)
    if Z.shape != (scen.side, scen.side) or not np.all(np.isfinite(Z)):
        raise ValueError(f"dual certificate must be a finite {scen.side}x{scen.side} matrix")
    G = functional(Z, scen)
    marg = scen.marginals(np.asarray(sigma))
    value = float(np.einsum("kij,kji->", G, marg).real)
    free = [w for pair in scen.free_pairs for w in pair]
    residual = float(np.linalg.norm(_block_sums(Z, scen, free), axis=(1, 2)).sum()) if free else 0.0
    norm = float(np.abs(Z).sum())
    lam = float(np.linalg.eigvalsh(Z)[0]) - FLOAT_MARGIN * norm  # eigenvalue error <= eps ||Z||
    bound = scen.trace_bound * (max(-lam, 0.0) + residual)
    margin = FLOAT_MARGIN * (1.0 + float(np.abs(G).sum()) * max(1.0, float(np.abs(marg).max(initial=0))))
    return FunctionalCheck(value, bound, lam, residual, value > bound + margin)
