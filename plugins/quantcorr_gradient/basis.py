"""Orthonormal polynomial features of POVM elements.

An element M (d x d) is represented by its Gell-Mann coordinates g in R^{d^2} (quantcorr.linalg:
M = (1/sqrt(2d)) sum_mu g_mu G_mu, so g_0 = tr M). The features are functions of the element's
*direction* M / tr M, a density matrix, with coordinates g / g_0 (the trace enters the response
function separately, see `model`). Each coordinate is scaled to x_mu = g_mu / (sqrt(d/2)
||G_mu||_op), which lies in [-1, 1] for every density matrix.

Basis. Raw features are tensor-product Legendre polynomials prod_mu P_{k_mu}(x_mu) of total
degree sum_mu k_mu <= D (orthonormal for the uniform measure on the cube [-1, 1]^{d^2}, hence
well conditioned). They are then orthonormalised, by an SVD, with respect to the sampling
measure of the family's elements (a fixed reference sample of `MeasurementSpace.sample`, or the
elements of a finite set): B = raw @ W with E[B B^T] = I over that measure. Directions that
vanish on the family are dropped (relative singular value < `RTOL`): for rank-one elements of
qubits (pure directions, |Bloch| = 1: PVMs and the extremal POVMs sampled here) what remains
spans exactly the (D+1)^2 spherical harmonics of degree <= D; for a finite set at most one
function per distinct direction remains (a general lookup table).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np

from quantcorr.linalg import gell_mann, to_gell_mann
from quantcorr.measurements import MeasurementSet, MeasurementSpace

RTOL = 1e-7  # relative singular-value cut-off of the orthonormalisation
REFERENCE_SEED = 20240611  # the reference sample is the same for every run (fixed basis)
REFERENCE_SIZE = 4096  # measurements in the reference sample of a continuous family


def coordinate_scale(d: int) -> np.ndarray:
    """sqrt(d/2) ||G_mu||_op for each Gell-Mann matrix: x = g / scale lies in [-1, 1]."""
    ops = gell_mann(d)
    return np.sqrt(d / 2.0) * np.abs(np.linalg.eigvalsh(ops)).max(-1)


def multi_indices(n_vars: int, order: int) -> list[tuple[tuple[int, int], ...]]:
    """Multi-indices of total degree <= order as sparse tuples ((var, degree), ...), by degree."""
    out: list[tuple[tuple[int, int], ...]] = []
    for deg in range(order + 1):
        for combo in combinations_with_replacement(range(n_vars), deg):
            out.append(tuple((v, combo.count(v)) for v in sorted(set(combo))))
    return out


@dataclass(frozen=True)
class LegendreIndex:
    """Gather plan for the raw features: feature j = prod_l table[:, factors[j, l]], where the
    table holds P_k(x_mu) at flat index mu*(order+1) + k and index 0 means P_0 = 1."""

    n_vars: int
    order: int
    factors: np.ndarray  # (n_raw, order) int

    @classmethod
    def build(cls, n_vars: int, order: int) -> "LegendreIndex":
        rows = []
        for mi in multi_indices(n_vars, order):
            flat = [v * (order + 1) + k for v, k in mi]
            rows.append(flat + [0] * (max(order, 1) - len(flat)))
        return cls(n_vars, order, np.array(rows, dtype=np.int64).reshape(len(rows), max(order, 1)))


def legendre_table_np(x: np.ndarray, order: int) -> np.ndarray:
    """P_0..P_order (normalised to unit variance on [-1, 1]) of each coordinate: (..., n*(order+1))."""
    p = [np.ones_like(x), x]
    for k in range(1, order):
        p.append(((2 * k + 1) * x * p[k] - k * p[k - 1]) / (k + 1))
    p = p[: order + 1]
    norms = np.sqrt(2 * np.arange(order + 1) + 1.0)
    return (np.stack(p, -1) * norms).reshape(*x.shape[:-1], -1)


def raw_features_np(g: np.ndarray, d: int, index: LegendreIndex) -> np.ndarray:
    table = legendre_table_np(g / coordinate_scale(d), index.order)
    return np.prod(table[..., index.factors], axis=-1)


def reference_directions(measurements: MeasurementSet | MeasurementSpace) -> np.ndarray:
    """Directions M / tr M (N, d, d) of the non-zero POVM elements that define the measure the
    basis is orthonormal for."""
    if isinstance(measurements, MeasurementSpace):
        elems = measurements.sample(REFERENCE_SIZE, np.random.default_rng(REFERENCE_SEED))
    else:
        elems = measurements.elements
    elems = elems.reshape(-1, *elems.shape[-2:])
    tr = np.trace(elems, axis1=-2, axis2=-1).real
    keep = tr > 1e-12
    return elems[keep] / tr[keep, None, None]


def orthonormal_transform(measurements: MeasurementSet | MeasurementSpace,
                          order: int) -> tuple[LegendreIndex, np.ndarray]:
    """(gather plan, W) such that B = raw_features @ W is orthonormal for the family's directions."""
    d = measurements.dim
    index = LegendreIndex.build(d * d, order)
    raw = raw_features_np(to_gell_mann(reference_directions(measurements)), d, index)
    _, s, vt = np.linalg.svd(raw / np.sqrt(raw.shape[0]), full_matrices=False)
    keep = s > RTOL * s[0]
    return index, vt[keep].T / s[keep]


def odd_sphere_basis(order: int) -> tuple[np.ndarray, np.ndarray]:
    """(factors, W) of the odd polynomials of degree <= order on the unit sphere S^2: Legendre
    monomials prod_j P_{k_j}(u_j) of odd total degree, orthonormalised by an SVD over a fixed
    uniform sample of the sphere (B = raw @ W, E[B B^T] = I). Their span is that of the odd
    spherical harmonics of degree <= order ((order + 1)(order + 2)/2 functions for odd order:
    21 for order 5). `factors` indexes a table of P_k(u_j) at j*(order+1) + k, as `LegendreIndex`."""
    index = LegendreIndex.build(3, order)
    degree = [sum(k for _, k in mi) for mi in multi_indices(3, order)]
    factors = index.factors[[i for i, deg in enumerate(degree) if deg % 2 == 1]]
    u = np.random.default_rng(REFERENCE_SEED).normal(size=(REFERENCE_SIZE, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    raw = np.prod(legendre_table_np(u, order)[..., factors], axis=-1)
    _, s, vt = np.linalg.svd(raw / np.sqrt(raw.shape[0]), full_matrices=False)
    keep = s > RTOL * s[0]
    return factors, vt[keep].T / s[keep]
