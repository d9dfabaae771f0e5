"""Measurements: a single POVM, finite sets of them, and continuous spaces of them.

`MeasurementSet` (finite) and `MeasurementSpace` (all PVMs or all POVMs of a dimension) share the
`MeasurementFamily` protocol (name, dim, finite). Finite sets store their elements as one array
of shape (settings, outcomes, d, d); POVMs with fewer outcomes are padded with zero elements
(outcomes that never occur), which changes no steering or locality question.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .fileio import exists
from .errors import DimensionError, InputFileError, InvalidPOVMError, UnknownNameError, ValidationError
from .linalg import ATOL, bloch_projectors, dagger, haar_unitary, psd_sqrt_inv
from .polyhedra import DIRECTION_SETS
from .validation import as_complex_array, check_hermitian, check_psd, check_square


@runtime_checkable
class MeasurementFamily(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    @property
    def finite(self) -> bool: ...


@dataclass(frozen=True, eq=False)
class POVM:
    """Elements M_a (outcomes, d, d): Hermitian, PSD, summing to the identity."""

    elements: np.ndarray

    def __post_init__(self) -> None:
        what = "POVM"
        e = as_complex_array(self.elements, what)
        check_square(e, what)
        if e.ndim != 3:
            raise DimensionError(f"{what}: expected elements of shape (outcomes, d, d), got {e.shape}")
        try:
            check_hermitian(e, what)
            check_psd(e, what)
        except ValidationError as exc:
            raise InvalidPOVMError(str(exc)) from None
        dev = np.max(np.abs(e.sum(0) - np.eye(e.shape[-1])))
        if dev > 1e-6:
            raise InvalidPOVMError(f"{what}: elements do not sum to the identity (max deviation {dev:.3g})")
        e = 0.5 * (e + dagger(e))
        e.setflags(write=False)
        object.__setattr__(self, "elements", e)

    @property
    def dim(self) -> int:
        return self.elements.shape[-1]

    @property
    def n_outcomes(self) -> int:
        return self.elements.shape[0]


@dataclass(frozen=True, eq=False)
class MeasurementSet:
    """A finite list of POVMs on one system; `elements` has shape (settings, outcomes, d, d)."""

    povms: tuple[POVM, ...]
    name: str = "custom"

    def __post_init__(self) -> None:
        povms = tuple(p if isinstance(p, POVM) else POVM(p) for p in self.povms)
        if not povms:
            raise DimensionError("measurement set is empty")
        dims = {p.dim for p in povms}
        if len(dims) != 1:
            raise DimensionError(f"measurement set '{self.name}': POVMs of different dimensions {sorted(dims)}")
        object.__setattr__(self, "povms", povms)

    @property
    def dim(self) -> int:
        return self.povms[0].dim

    @property
    def finite(self) -> bool:
        return True

    @property
    def n_settings(self) -> int:
        return len(self.povms)

    @property
    def n_outcomes(self) -> int:
        return max(p.n_outcomes for p in self.povms)

    @property
    def elements(self) -> np.ndarray:
        o, d = self.n_outcomes, self.dim
        out = np.zeros((self.n_settings, o, d, d), complex)
        for x, p in enumerate(self.povms):
            out[x, : p.n_outcomes] = p.elements
        return out

    @classmethod
    def from_bloch(cls, directions, name: str = "bloch") -> "MeasurementSet":
        """Qubit PVMs (I +- u.sigma)/2 along the given directions (normalised)."""
        u = np.asarray(directions, float).reshape(-1, 3)
        if not np.all(np.isfinite(u)) or np.any(np.linalg.norm(u, axis=1) < ATOL):
            raise ValidationError(f"measurement set '{name}': Bloch directions must be finite and non-zero")
        return cls(tuple(POVM(e) for e in bloch_projectors(u)), name)

    def to_json(self) -> dict:
        e = self.elements
        return {"name": self.name, "real": e.real.tolist(), "imag": e.imag.tolist()}


@dataclass(frozen=True)
class MeasurementSpace:
    """All projective measurements ('pvm') or all POVMs ('povm') of dimension `dim`.

    `sample(n, rng)` returns (n, outcomes, d, d): Haar-random rank-one PVMs (d outcomes), or random
    extremal rank-one POVMs with K outcomes, K uniform in {d, ..., d^2}, zero-padded to d^2
    outcomes (M_k = S^{-1/2}|v_k><v_k|S^{-1/2}, S = sum_k |v_k><v_k|, Gaussian v_k). They are
    extremal since their K <= d^2 rank-one elements are linearly independent; K = d gives Haar
    PVMs. Mixing in fewer outcomes matters: d^2-outcome POVMs are all far from projective, so a
    sample of those alone hardly probes the measurements that steer most (for Werner states,
    PVMs already steer above v = 1/2).
    """

    kind: str
    dim: int

    def __post_init__(self) -> None:
        if self.kind not in ("pvm", "povm"):
            raise UnknownNameError(f"unknown measurement space '{self.kind}' (use pvm or povm)")
        d = self.dim
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 2:
            raise DimensionError(f"measurement space needs an integer dimension >= 2, got {d!r}")
        object.__setattr__(self, "dim", int(d))

    @property
    def name(self) -> str:
        return self.kind

    @property
    def finite(self) -> bool:
        return False

    @property
    def n_outcomes(self) -> int:
        return self.dim if self.kind == "pvm" else self.dim**2

    def sample(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValidationError(f"sample size must be a non-negative integer, got {n!r}")
        rng = np.random.default_rng() if rng is None else rng
        d = self.dim
        if self.kind == "pvm":
            u = haar_unitary(d, n, rng)  # columns are the basis vectors
            cols = np.swapaxes(u, -1, -2)  # (n, d outcomes, d)
            return np.einsum("nai,naj->naij", cols, cols.conj())
        k = d * d
        v = (rng.standard_normal((n, k, d)) + 1j * rng.standard_normal((n, k, d))) / np.sqrt(2)
        used = rng.integers(d, k + 1, size=n)  # outcomes K of each POVM; the rest are zero
        v = v * (np.arange(k) < used[:, None])[..., None]
        proj = np.einsum("nai,naj->naij", v, v.conj())
        s_inv = psd_sqrt_inv(proj.sum(1))[:, None]
        return s_inv @ proj @ s_inv


def mubs(d: int, k: int | None = None) -> MeasurementSet:
    """The first k (default all d+1) mutually unbiased bases of a prime dimension d.

    Order: computational basis first, then the Wootters-Fields bases; for d=2 this is Z, X, Y.
    """
    if d < 2 or any(d % p == 0 for p in range(2, int(np.sqrt(d)) + 1)):
        raise ValidationError(f"mubs are built here for prime dimensions only, got d={d}")
    k = d + 1 if k is None else k
    if not 1 <= k <= d + 1:
        raise ValidationError(f"mubs:{k}: dimension {d} has {d + 1} mutually unbiased bases")
    bases = [np.eye(d, dtype=complex)]
    if d == 2:
        bases += [np.array([[1, 1], [1, -1]]) / np.sqrt(2), np.array([[1, 1], [1j, -1j]]) / np.sqrt(2)]
    else:
        w = np.exp(2j * np.pi / d)
        l = np.arange(d)
        for b in range(d):
            bases.append(np.array([w ** ((b * l * l + j * l) % d) for j in range(d)]).T / np.sqrt(d))
    sets = []
    for basis in bases[:k]:
        cols = basis.T  # rows are basis vectors
        sets.append(POVM(np.einsum("ai,aj->aij", cols, cols.conj())))
    return MeasurementSet(tuple(sets), f"mubs:{k}" if k != d + 1 else "mubs")


_QUBIT_SETS = {
    "xz": lambda: np.array([[1.0, 0, 0], [0, 0, 1.0]]),
    "paulis": lambda: np.eye(3),
    **DIRECTION_SETS,  # polyhedron axes: octahedron (= paulis), cube, ..., geodesic-N
}

NAMES = (*_QUBIT_SETS, "mubs", "mubs:K", "pvm", "povm", "bloch:x,y,z;x,y,z;...", "FILE.json|FILE.npy")


def measurements_from_spec(spec: str, dim: int) -> MeasurementSet | MeasurementSpace:
    """Parse a measurement spec for a system of dimension `dim` (see `NAMES`)."""
    spec = spec.strip()
    if spec in ("pvm", "povm"):
        return MeasurementSpace(spec, dim)
    if spec in _QUBIT_SETS:
        if dim != 2:
            raise DimensionError(f"measurements '{spec}' are qubit measurements; the system has dimension {dim}")
        return MeasurementSet.from_bloch(_QUBIT_SETS[spec](), spec)
    m = re.fullmatch(r"mubs(?::(\d+))?", spec)
    if m:
        return mubs(dim, int(m.group(1)) if m.group(1) else None)
    if spec.startswith("bloch:"):
        if dim != 2:
            raise DimensionError(f"Bloch-vector measurements need a qubit; the system has dimension {dim}")
        try:
            dirs = [[float(c) for c in part.split(",")] for part in spec[6:].split(";") if part]
            arr = np.array(dirs, float)
        except ValueError:
            raise ValidationError(f"cannot parse Bloch vectors in '{spec}' (use bloch:x,y,z;x,y,z)") from None
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise ValidationError(f"Bloch vectors in '{spec}' must have three components each")
        return MeasurementSet.from_bloch(arr, "bloch")
    path = Path(spec)
    if path.suffix in (".json", ".npy") or exists(path):
        ms = load_measurements(path)
        if ms.dim != dim:
            raise DimensionError(f"POVMs in {path} act on dimension {ms.dim}; the system has dimension {dim}")
        return ms
    raise UnknownNameError(f"unknown measurements '{spec}'; known: {', '.join(NAMES)}")


def load_measurements(path: str | Path) -> MeasurementSet:
    """POVM list from `.npy` (array (settings, outcomes, d, d)) or `.json`: {"povms": [[element,
    ...], ...]} with each element a matrix, or {"real": ..., "imag": ...}, or {"bloch": [[x,y,z], ...]}."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"measurement file not found: {path}")
    try:
        if path.suffix == ".npy":
            arr = np.load(path, allow_pickle=False)
        else:
            data = json.loads(path.read_text())
            if isinstance(data, dict) and "bloch" in data:
                return MeasurementSet.from_bloch(data["bloch"], path.stem)
            if isinstance(data, dict) and "real" in data:
                arr = np.asarray(data["real"], float) + 1j * np.asarray(data.get("imag", 0.0), float)
            else:
                povms = data["povms"] if isinstance(data, dict) else data
                return MeasurementSet(tuple(POVM(_complex(p)) for p in povms), path.stem)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise InputFileError(f"cannot read measurement file {path}: {exc}") from None
    arr = as_complex_array(arr, f"measurement file {path}")
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4:
        raise DimensionError(f"measurement file {path}: expected shape (settings, outcomes, d, d), got {arr.shape}")
    return MeasurementSet(tuple(POVM(e) for e in arr), path.stem)


def _complex(obj) -> np.ndarray:
    """Nested lists of numbers or strings like '1+2j', or {"real": ..., "imag": ...}."""
    if isinstance(obj, dict):
        return np.asarray(obj["real"], float) + 1j * np.asarray(obj.get("imag", 0.0), float)
    return np.vectorize(complex, otypes=[complex])(np.array(obj, dtype=object))
