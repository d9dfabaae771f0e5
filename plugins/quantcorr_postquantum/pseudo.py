"""Assemblages of (pseudo-)states under local measurements, and the canonical classical-register
measurements of REFERENCE section 5 (Sainz, Aolita, Piani, Hoban, Skrzypczyk, NJP 20, 083040
(2018), Theorem 6).

sigma[x1..xn, a1..an] = tr_{1..n}[(M^(1)_{a1|x1} (x) ... (x) M^(n)_{an|xn} (x) 1_B) rho~] for a
Hermitian operator rho~ on C^d1 (x) ... (x) C^dn (x) C^dB (Bob's factor last).
"""

from __future__ import annotations

import numpy as np

LETTERS = "efghklmnopqrstuvwxyzEFGHKLMNOPQRSTUVWXYZ"


def assemblage_of(rho: np.ndarray, dims: tuple[int, ...], measurements: tuple[np.ndarray, ...]) -> np.ndarray:
    """The (pseudo-)assemblage array of `rho` (dims = (d1, .., dn, dB)) under one POVM array
    (m_k, o_k, d_k, d_k) per black-box party."""
    n = len(measurements)
    if n > 9:
        raise ValueError("at most 9 black-box parties")
    it = iter(LETTERS)
    xs, as_, rows, cols = ([next(it) for _ in range(n)] for _ in range(4))
    ops = [f"{xs[k]}{as_[k]}{cols[k]}{rows[k]}" for k in range(n)]
    spec = ",".join(ops) + "," + "".join(rows) + "b" + "".join(cols) + "c->" + "".join(xs) + "".join(as_) + "bc"
    return np.einsum(spec, *measurements, np.asarray(rho).reshape(tuple(dims) * 2), optimize=True)


def register_measurements(settings: int, outcomes: int) -> np.ndarray:
    """Diagonal POVMs on a register of dimension m*o + 1 (basis |x', a'> then |0>):
    M_{a|x} = |x,a><x,a| + (1/o) (sum_{x' != x, a'} |x',a'><x',a'| + |0><0|).
    Their response functions span the no-signalling functions of one party, so every
    no-signalling assemblage is reproduced by some Hermitian block-diagonal rho~."""
    m, o = settings, outcomes
    r = m * o + 1
    diag = np.full((m, o, r), 1.0 / o)
    for x in range(m):
        diag[x, :, x * o:(x + 1) * o] = np.eye(o)
    return diag  # diagonal entries (m, o, r)


def register_response(settings: tuple[int, ...], outcomes: tuple[int, ...]) -> np.ndarray:
    """f[i, x.., a..] = prod_k diag^(k)[x_k, a_k, i_k] over register indices i = (i_1..i_n) in C
    order: the probability of outcomes a given settings x in register state |i>."""
    diags = [register_measurements(m, o) for m, o in zip(settings, outcomes)]
    n = len(diags)
    it = iter(LETTERS)
    xs, as_, is_ = ([next(it) for _ in range(n)] for _ in range(3))
    spec = ",".join(f"{xs[k]}{as_[k]}{is_[k]}" for k in range(n)) + "->" + "".join(is_) + "".join(xs) + "".join(as_)
    f = np.einsum(spec, *diags)
    return f.reshape(-1, *f.shape[n:])
