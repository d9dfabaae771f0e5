"""Trace norms of Hermitian operators given by Gell-Mann coordinates, and the assemblage loss.

An operator X = (1/sqrt(2d)) sum_mu x_mu G_mu (quantcorr.linalg convention). For d = 2,
X = (x_0 I + x.sigma)/2 has eigenvalues (x_0 +- |x|)/2, so ||X||_1 = max(|x_0|, |x|): a closed
form, with |x| = sqrt(|x|^2 + EPS) so that the gradient stays finite at x = 0. For d > 2 the
matrices are rebuilt and `torch.linalg.eigvalsh` is used (batched).
"""

from __future__ import annotations

import math

import torch

EPS = {torch.float64: 1e-24, torch.float32: 1e-14}  # under the sqrt: a bias of 1e-12 / 1e-7


def hermitian_from_coords(x: torch.Tensor, gm: torch.Tensor) -> torch.Tensor:
    """Operators (..., d, d) from coordinates (..., d^2); `gm` are the Gell-Mann matrices."""
    d = gm.shape[-1]
    return torch.einsum("...m,mij->...ij", x.to(gm.dtype), gm) / math.sqrt(2 * d)


def trace_norm_closed_2x2(x: torch.Tensor) -> torch.Tensor:
    """||X||_1 of qubit operators from their coordinates (..., 4), closed form."""
    r = torch.sqrt((x[..., 1:] ** 2).sum(-1) + EPS[x.dtype])
    return torch.maximum(x[..., 0].abs(), r)


def trace_norm_eig(x: torch.Tensor, gm: torch.Tensor) -> torch.Tensor:
    """||X||_1 of operators from their coordinates (..., d^2), by batched eigvalsh."""
    return torch.linalg.eigvalsh(hermitian_from_coords(x, gm)).abs().sum(-1)


def trace_norm(x: torch.Tensor, gm: torch.Tensor) -> torch.Tensor:
    """Closed form for qubits, eigvalsh above."""
    return trace_norm_closed_2x2(x) if gm.shape[-1] == 2 else trace_norm_eig(x, gm)


def assemblage_loss(lhs: torch.Tensor, target: torch.Tensor, valid: torch.Tensor, gm: torch.Tensor) -> torch.Tensor:
    """Per-measurement loss sum_a (1/2)||sigma^LHS_a - sigma^QM_a||_1 from coordinates
    (n, outcomes, d_B^2); `valid` (n, outcomes) masks zero-padded outcomes. Both assemblages
    have total trace 1, so the loss is a trace distance in [0, 1]."""
    norms = trace_norm(lhs - target, gm)
    return 0.5 * (norms * valid).sum(-1)
