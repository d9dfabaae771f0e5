"""Checks shared by every validated object. Each raises a `ValidationError` subclass whose
message names the object and what is wrong with it."""

from __future__ import annotations

import numpy as np

from .errors import DimensionError, NonFiniteError, NotHermitianError, NotPSDError, TraceError
from .linalg import ATOL


def as_complex_array(data, what: str) -> np.ndarray:
    try:
        arr = np.array(data, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise DimensionError(f"{what}: cannot be read as a complex array ({exc})") from None
    if arr.dtype == object:
        raise DimensionError(f"{what}: ragged array")
    if not np.all(np.isfinite(arr)):
        raise NonFiniteError(f"{what}: contains NaN or infinite entries")
    return arr


def check_square(arr: np.ndarray, what: str) -> None:
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise DimensionError(f"{what}: expected square matrices, got shape {arr.shape}")


def check_hermitian(arr: np.ndarray, what: str, atol: float = ATOL) -> None:
    dev = np.max(np.abs(arr - np.conj(np.swapaxes(arr, -1, -2))), initial=0.0)
    if dev > atol:
        raise NotHermitianError(f"{what}: not Hermitian (max |A - A^dag| = {dev:.3g})")


def check_psd(arr: np.ndarray, what: str, atol: float = ATOL) -> None:
    w = np.linalg.eigvalsh(0.5 * (arr + np.conj(np.swapaxes(arr, -1, -2))))
    low = float(w.min(initial=0.0))
    if low < -atol:
        raise NotPSDError(f"{what}: not positive semidefinite (smallest eigenvalue {low:.3g})")


def check_trace(arr: np.ndarray, what: str, expected: float = 1.0, atol: float = ATOL) -> None:
    tr = np.trace(arr, axis1=-2, axis2=-1).real
    bad = np.max(np.abs(tr - expected), initial=0.0)
    if bad > atol * max(1.0, arr.shape[-1]):
        found = float(np.ravel(tr)[np.argmax(np.abs(np.ravel(tr) - expected))])
        raise TraceError(f"{what}: trace is {found:.6g}, expected {expected:g}")
