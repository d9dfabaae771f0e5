"""Small numpy linear-algebra helpers shared by the core and the plugins.

Gell-Mann convention (DESIGN.md): G_0 = sqrt(2/d) I, tr(G_mu G_nu) = 2 delta_mu,nu, and a
Hermitian operator A = (1/sqrt(2d)) sum_mu g_mu G_mu is represented by g in R^{d^2}. With this
normalisation a density operator has g_0 = 1, and for qubits g = (1, Bloch vector).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

ATOL = 1e-8


@lru_cache(maxsize=16)
def _gell_mann_cached(d: int) -> np.ndarray:
    mats = [np.sqrt(2.0 / d) * np.eye(d, dtype=complex)]
    for j in range(d):  # symmetric and antisymmetric off-diagonal generators
        for k in range(j + 1, d):
            s = np.zeros((d, d), complex)
            s[j, k] = s[k, j] = 1.0
            a = np.zeros((d, d), complex)
            a[j, k], a[k, j] = -1j, 1j
            mats += [s, a]
    for l in range(1, d):  # diagonal generators
        diag = np.zeros(d)
        diag[:l] = 1.0
        diag[l] = -l
        mats.append(np.diag(diag * np.sqrt(2.0 / (l * (l + 1)))).astype(complex))
    out = np.array(mats)
    out.setflags(write=False)
    return out


def gell_mann(d: int) -> np.ndarray:
    """The d^2 generalised Gell-Mann matrices, shape (d^2, d, d), normalised tr(G G) = 2."""
    return _gell_mann_cached(int(d))


def to_gell_mann(ops: np.ndarray) -> np.ndarray:
    """Real coordinates g (..., d^2) of Hermitian operators (..., d, d)."""
    ops = np.asarray(ops)
    d = ops.shape[-1]
    g = np.einsum("mij,...ji->...m", gell_mann(d), ops).real
    return g * np.sqrt(d / 2.0)


def from_gell_mann(g: np.ndarray) -> np.ndarray:
    """Inverse of `to_gell_mann`: operators (..., d, d) from coordinates (..., d^2)."""
    g = np.asarray(g, dtype=float)
    d = int(round(np.sqrt(g.shape[-1])))
    return np.einsum("...m,mij->...ij", g, gell_mann(d)) / np.sqrt(2.0 * d)


def dagger(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


def hermitian_part(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a + dagger(a))


def partial_trace(rho: np.ndarray, dims: tuple[int, ...], keep: tuple[int, ...]) -> np.ndarray:
    """Reduced operator on the subsystems `keep` (in their original order)."""
    n = len(dims)
    t = np.asarray(rho).reshape(tuple(dims) * 2)
    traced = [i for i in range(n) if i not in keep]
    for count, i in enumerate(sorted(traced, reverse=True)):
        cur = n - count
        t = np.trace(t, axis1=i, axis2=i + cur)
    dk = int(np.prod([dims[i] for i in keep])) if keep else 1
    return t.reshape(dk, dk)


def trace_norm(a: np.ndarray) -> np.ndarray:
    """Trace norm of Hermitian operators (..., d, d); closed form for 2x2."""
    a = np.asarray(a)
    if a.shape[-1] == 2:
        t = np.real(a[..., 0, 0] + a[..., 1, 1])
        diff = np.real(a[..., 0, 0] - a[..., 1, 1])
        r = np.sqrt(diff**2 + 4 * np.abs(a[..., 0, 1]) ** 2)  # eigenvalues (t +- r)/2
        return np.maximum(np.abs(t), r)
    return np.abs(np.linalg.eigvalsh(hermitian_part(a))).sum(-1)


def psd_sqrt_inv(a: np.ndarray) -> np.ndarray:
    """A^{-1/2} of a positive-definite Hermitian matrix."""
    w, v = np.linalg.eigh(hermitian_part(a))
    return (v * (1.0 / np.sqrt(w))[..., None, :]) @ dagger(v)


def project_psd(a: np.ndarray) -> np.ndarray:
    """Nearest PSD operator in Frobenius norm (negative eigenvalues set to zero)."""
    w, v = np.linalg.eigh(hermitian_part(a))
    return (v * np.clip(w, 0.0, None)[..., None, :]) @ dagger(v)


def haar_unitary(d: int, n: int | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
    """Haar-random unitaries, shape (d, d) or (n, d, d) (QR of a Ginibre matrix)."""
    rng = np.random.default_rng() if rng is None else rng
    shape = (d, d) if n is None else (n, d, d)
    z = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    ph = np.diagonal(r, axis1=-2, axis2=-1)
    return q * (ph / np.abs(ph))[..., None, :]


def ket(*amplitudes: complex) -> np.ndarray:
    v = np.asarray(amplitudes, dtype=complex)
    return v / np.linalg.norm(v)


def projector(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=complex)
    return np.multiply.outer(v, v.conj())


def pauli() -> np.ndarray:
    """Pauli X, Y, Z, shape (3, 2, 2)."""
    return np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)


def bloch_projectors(directions: np.ndarray) -> np.ndarray:
    """Qubit PVMs along unit vectors u: elements (I +- u.sigma)/2, shape (m, 2, 2, 2)."""
    u = np.asarray(directions, dtype=float).reshape(-1, 3)
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    us = np.einsum("mk,kij->mij", u, pauli())
    eye = np.eye(2)
    return 0.5 * np.stack([eye + us, eye - us], axis=1)
