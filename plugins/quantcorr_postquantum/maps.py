"""Positive (not completely positive) maps applied on Bob's side of an assemblage.

All maps are trace preserving, so the image of an assemblage has unit total trace:
- transpose: X -> X^T;
- reduction: X -> (tr(X) 1 - X) / (d - 1);
- breuer-hall (Breuer PRL 97, 080501 (2006); Hall J. Phys. A 39, 14119 (2006)), for an even
  dimension d >= 4 and an antisymmetric unitary U (U^T = -U):
  X -> (tr(X) 1 - X - U X^T U^dag) / (d - 2), i.e. the issue's (tr(X) 1 - X - U X^T U^dag)/2
  on d = 4; U is given as a Pauli string such as "XY" (= X (x) Y; antisymmetric iff it holds an
  odd number of Y);
- a user map file: its Choi matrix J = sum_ij |i><j| (x) L(|i><j|) as a .npy array of shape
  (d_in d_out, d_in d_out) (input factor first), so L(X) = tr_in[(X^T (x) 1) J]. J must be
  Hermitian (L preserves Hermiticity) with tr_out J = 1 (L preserves the trace). Positivity is
  not checked on J; the assemblage constructor checks that every image element is PSD.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from quantcorr.errors import DimensionError, InputFileError, ValidationError

PAULIS = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
          "Z": np.diag([1.0, -1.0])}
NAMES = ("transpose", "reduction", "breuer-hall")


def pauli_string(text: str) -> np.ndarray:
    """The unitary P_1 (x) P_2 (x) ... of a string over I, X, Y, Z."""
    s = text.strip().upper()
    if not s or any(ch not in PAULIS for ch in s):
        raise ValidationError(f"U={text!r}: expected a Pauli string over I, X, Y, Z such as XY")
    out = np.ones((1, 1), complex)
    for ch in s:
        out = np.kron(out, PAULIS[ch])
    return out


def breuer_hall(U: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    d = U.shape[0]
    if d < 4 or d % 2:
        raise DimensionError(f"breuer-hall needs an even dimension >= 4 on Bob's side, got {d}")
    if np.abs(U.T + U).max() > 1e-9 or np.abs(U @ U.conj().T - np.eye(d)).max() > 1e-9:
        raise ValidationError("breuer-hall needs an antisymmetric unitary U (U^T = -U): a Pauli string with an odd "
                              "number of Y, e.g. XY, YI, ZY")
    return lambda X: (np.trace(X, axis1=-2, axis2=-1)[..., None, None] * np.eye(d) - X
                      - U @ np.swapaxes(X, -1, -2) @ U.conj().T) / (d - 2)


def choi_map(path: str, d_in: int) -> Callable[[np.ndarray], np.ndarray]:
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"map file not found: {path}")
    try:
        J = np.asarray(np.load(p, allow_pickle=False), complex)
    except (OSError, ValueError) as exc:
        raise InputFileError(f"cannot read map file {path} (expected a .npy Choi matrix): {exc}") from None
    if J.ndim != 2 or J.shape[0] != J.shape[1] or J.shape[0] % d_in or not np.all(np.isfinite(J)):
        raise DimensionError(f"map file {path}: expected a finite square Choi matrix of side d_in*d_out with "
                             f"d_in = {d_in}, got shape {J.shape}")
    d_out = J.shape[0] // d_in
    if np.abs(J - J.conj().T).max() > 1e-8:
        raise ValidationError(f"map file {path}: the Choi matrix is not Hermitian (the map must preserve Hermiticity)")
    Jt = J.reshape(d_in, d_out, d_in, d_out)
    dev = np.abs(np.einsum("iaja->ij", Jt) - np.eye(d_in)).max()
    if dev > 1e-8:
        raise ValidationError(f"map file {path}: not trace preserving (tr_out J deviates from 1 by {dev:.3g})")
    return lambda X: np.einsum("...ij,iajb->...ab", X, Jt)


def positive_map(name: str, dim: int, U: str = "XY") -> Callable[[np.ndarray], np.ndarray]:
    """The map called `name` (see the module docstring) on Bob's dimension `dim`."""
    if name == "transpose":
        return lambda X: np.swapaxes(X, -1, -2)
    if name == "reduction":
        return lambda X: (np.trace(X, axis1=-2, axis2=-1)[..., None, None] * np.eye(dim) - X) / (dim - 1)
    if name == "breuer-hall":
        unitary = pauli_string(U)
        if unitary.shape[0] != dim:
            raise DimensionError(f"U={U!r} acts on dimension {unitary.shape[0]}, Bob has dimension {dim}")
        return breuer_hall(unitary)
    if name.endswith(".npy") or Path(name).exists():
        return choi_map(name, dim)
    raise ValidationError(f"map={name!r}: expected one of {', '.join(NAMES)} or a .npy Choi-matrix file")
