"""Quantum states: a validated density operator with its subsystem dimensions.

Party order: the first subsystem(s) are the untrusted, steering parties (Alice, ...), the last
one is the trusted party (Bob). Noise conventions: werner(v) = v|psi-><psi-| + (1-v) I/4,
isotropic(d, v) = v|phi+><phi+| + (1-v) I/d^2, and every other family mixes with I/D.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Callable

import numpy as np

from .fileio import exists
from .errors import DimensionError, InputFileError, UnknownNameError, ValidationError
from .linalg import ket, partial_trace, projector
from .validation import as_complex_array, check_hermitian, check_psd, check_square, check_trace


@dataclass(frozen=True, eq=False)
class State:
    """Density operator `rho` (D x D, complex128, read-only) on subsystems of dimensions `dims`."""

    rho: np.ndarray
    dims: tuple[int, ...]
    name: str = "state"
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        what = f"state '{self.name}'"
        rho = as_complex_array(self.rho, what)
        check_square(rho, what)
        if rho.ndim != 2:
            raise DimensionError(f"{what}: expected one D x D matrix, got shape {rho.shape}")
        dims = tuple(int(d) for d in self.dims)
        if any(d < 1 for d in dims) or int(np.prod(dims)) != rho.shape[0]:
            raise DimensionError(f"{what}: subsystem dims {dims} do not multiply to {rho.shape[0]}")
        check_hermitian(rho, what)
        check_trace(rho, what)
        check_psd(rho, what)
        rho = 0.5 * (rho + rho.conj().T)
        rho.setflags(write=False)
        object.__setattr__(self, "rho", rho)
        object.__setattr__(self, "dims", dims)
        object.__setattr__(self, "params", dict(self.params))

    @property
    def dim(self) -> int:
        return self.rho.shape[0]

    @property
    def n_parties(self) -> int:
        return len(self.dims)

    def reduced(self, keep: int | tuple[int, ...]) -> np.ndarray:
        keep = (keep,) if isinstance(keep, int) else tuple(keep)
        return partial_trace(self.rho, self.dims, keep)

    def with_white_noise(self, v: float) -> "State":
        """v * rho + (1 - v) * I/D."""
        return State(v * self.rho + (1 - v) * np.eye(self.dim) / self.dim, self.dims,
                     self.name, {**self.params, "v": v})

    def describe(self) -> str:
        args = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in self.params.items())
        return f"{self.name}({args})" if args else self.name

    def to_json(self) -> dict:
        return {"name": self.name, "dims": list(self.dims), "params": self.params,
                "real": self.rho.real.tolist(), "imag": self.rho.imag.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "State":
        try:
            rho = np.asarray(data["real"], float) + 1j * np.asarray(data.get("imag", 0.0), float)
            dims = tuple(data.get("dims") or _guess_dims(rho.shape[0]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputFileError(f"state JSON: expected 'real' (and 'imag', 'dims') fields ({exc})") from None
        return cls(rho, dims, data.get("name", "state"), data.get("params", {}))


def _guess_dims(n: int) -> tuple[int, int]:
    d = int(round(np.sqrt(n)))
    if d * d != n:
        raise DimensionError(f"cannot infer subsystem dims of a {n}x{n} state; give 'dims'")
    return (d, d)


def _mix(pure: np.ndarray, v: float, dims: tuple[int, ...], name: str, **params) -> State:
    _check_visibility(v)
    return State(pure, dims, name, params).with_white_noise(v)


def _check_visibility(v: float) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ValidationError(f"visibility v must be a number in [0, 1], got {v!r}")
    if not np.isfinite(v) or not 0.0 <= v <= 1.0:
        raise ValidationError(f"visibility v must lie in [0, 1], got {v}")


def werner(v: float = 1.0) -> State:
    """Two-qubit Werner state v|psi-><psi-| + (1-v) I/4."""
    return _mix(projector(ket(0, 1, -1, 0)), v, (2, 2), "werner")


def isotropic(d: int = 3, v: float = 1.0) -> State:
    """Two-qudit isotropic state v|phi+><phi+| + (1-v) I/d^2, |phi+> = sum_i |ii>/sqrt(d)."""
    d = _check_dim(d, "d")
    phi = np.eye(d, dtype=complex).reshape(-1) / np.sqrt(d)
    return _mix(projector(phi), v, (d, d), "isotropic", d=d)


def ghz(n: int = 3, v: float = 1.0) -> State:
    """n-qubit GHZ state with white noise."""
    n = _check_dim(n, "n", limit=12)
    psi = np.zeros(2**n, complex)
    psi[0] = psi[-1] = 1 / np.sqrt(2)
    return _mix(projector(psi), v, (2,) * n, "ghz", n=n)


def w(n: int = 3, v: float = 1.0) -> State:
    """n-qubit W state with white noise."""
    n = _check_dim(n, "n", limit=12)
    psi = np.zeros(2**n, complex)
    psi[[2**k for k in range(n)]] = 1 / np.sqrt(n)
    return _mix(projector(psi), v, (2,) * n, "w", n=n)


def partially_entangled(theta: float = np.pi / 8, v: float = 1.0) -> State:
    """cos(theta)|00> + sin(theta)|11> with white noise."""
    if isinstance(theta, bool) or not isinstance(theta, (int, float, np.integer, np.floating)) or not np.isfinite(theta):
        raise ValidationError(f"theta must be a finite number, got {theta!r}")
    psi = np.array([np.cos(theta), 0, 0, np.sin(theta)], complex)
    return _mix(projector(psi), v, (2, 2), "partially_entangled", theta=float(theta))


def antisymmetric(d: int = 3, v: float = 1.0) -> State:
    """Normalised antisymmetric projector of two qudits, (1 - SWAP)/(d(d-1)), with white noise."""
    d = _check_dim(d, "d")
    swap = np.eye(d * d).reshape(d, d, d, d).transpose(0, 1, 3, 2).reshape(d * d, d * d)
    pa = (np.eye(d * d) - swap) / 2
    return _mix(pa / comb(d, 2), v, (d, d), "antisymmetric", d=d)


def product(d: int = 2) -> State:
    """The maximally mixed state I/d^2 of two qudits (separable)."""
    d = _check_dim(d, "d")
    return State(np.eye(d * d) / d**2, (d, d), "product", {"d": d})


def random(d: int = 2, n: int = 2, seed: int = 0, v: float = 1.0) -> State:
    """A random mixed state of n qudits from the Hilbert-Schmidt measure, with white noise:
    rho = G G^dag / tr(G G^dag), G a d^n x d^n complex Ginibre matrix drawn by
    numpy.random.default_rng(seed) (real parts first, then imaginary parts). Reproducible by seed."""
    d, n = _check_dim(d, "d"), _check_dim(n, "n", limit=12)
    if d**n > 1024:
        raise ValidationError(f"random state of dimension {d}^{n} = {d**n}: above the limit 1024")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValidationError(f"seed must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    g = rng.standard_normal((d**n, d**n)) + 1j * rng.standard_normal((d**n, d**n))
    rho = g @ g.conj().T
    return _mix(rho / np.trace(rho).real, v, (d,) * n, "random", d=d, n=n, seed=int(seed))


def _check_dim(d, what: str, limit: int = 32) -> int:
    if isinstance(d, bool) or not isinstance(d, (int, float, np.integer, np.floating)) or not np.isfinite(d) \
            or float(d) != int(d) or int(d) < 2:
        raise ValidationError(f"{what} must be an integer >= 2, got {d!r}")
    if int(d) > limit:
        raise ValidationError(f"{what}={int(d)} is above the limit {limit} of this constructor (the state "
                              f"would not fit in memory)")
    return int(d)


CONSTRUCTORS: dict[str, Callable[..., State]] = {
    "werner": werner, "isotropic": isotropic, "ghz": ghz, "w": w,
    "partially_entangled": partially_entangled, "antisymmetric": antisymmetric, "product": product,
    "random": random,
}


def from_array(rho, dims: tuple[int, ...] | None = None, name: str = "state") -> State:
    arr = as_complex_array(rho, f"state '{name}'")
    check_square(arr, f"state '{name}'")
    return State(arr, tuple(dims) if dims else _guess_dims(arr.shape[0]), name)


def load_state(path: str | Path, dims: tuple[int, ...] | None = None) -> State:
    """Load a density operator from `.npy` (complex matrix) or `.json` (State.to_json format,
    or {"real": [[..]], "imag": [[..]], "dims": [..]})."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"state file not found: {path}")
    try:
        if path.suffix == ".npy":
            return from_array(np.load(path, allow_pickle=False), dims, path.stem)
        if path.suffix == ".json":
            data = json.loads(path.read_text())
            if not isinstance(data, dict):
                raise InputFileError(f"state file {path}: expected a JSON object with 'real' (and 'imag', 'dims')")
            if dims:
                data["dims"] = list(dims)
            data.setdefault("name", path.stem)
            return State.from_json(data)
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise InputFileError(f"cannot read state file {path}: {exc}") from None
    raise InputFileError(f"state file {path}: expected a .npy or .json file")


def takes_visibility(spec: str) -> bool:
    """Whether the named state has a visibility parameter `v` (files: no, they are mixed with
    white noise only when a `v` is given)."""
    return spec in CONSTRUCTORS and "v" in inspect.signature(CONSTRUCTORS[spec]).parameters


def parse_dims(text: str | tuple | list | None) -> tuple[int, ...] | None:
    """'2,3' -> (2, 3); every entry an integer >= 1."""
    if text is None or text == "":
        return None
    try:
        dims = tuple(int(p) for p in (text.split(",") if isinstance(text, str) else text))
    except (TypeError, ValueError):
        raise ValidationError(f"dims must be comma-separated integers such as 2,3, got {text!r}") from None
    if len(dims) < 1 or any(d < 1 for d in dims):
        raise ValidationError(f"dims must be positive integers, got {text!r}")
    return dims


def state_from_spec(spec: str, params: dict[str, str | float] | None = None,
                    dims: tuple[int, ...] | None = None) -> State:
    """A State from a constructor name with parameters (strings are converted), or a file path.

    A file state with a `v` parameter is mixed with white noise: v*rho + (1-v) I/D. `dims`
    (e.g. (2, 3)) gives the subsystem dimensions of a file whose matrix is not d^2 x d^2 with
    equal parts; it may also be a `dims` parameter ("2,3").
    """
    params = dict(params or {})
    if "dims" in params:
        if dims is not None:
            raise ValidationError("give the state's dims once (--dims or a dims parameter)")
        dims = parse_dims(params.pop("dims"))
    if spec in CONSTRUCTORS:
        if dims is not None:
            raise ValidationError(f"state '{spec}' has fixed subsystem dimensions; --dims is for state files")
        ctor = CONSTRUCTORS[spec]
        sig = inspect.signature(ctor)
        unknown = set(params) - set(sig.parameters)
        if unknown:
            raise ValidationError(f"state '{spec}' takes parameters {sorted(sig.parameters)}; "
                                  f"unknown: {sorted(unknown)}")
        kwargs = {k: _number(k, val) for k, val in params.items()}
        return ctor(**kwargs)
    if spec.strip() == "":
        raise ValidationError("empty state name")
    if Path(spec).suffix in (".npy", ".json") or exists(spec):
        v = params.pop("v", None)
        if params:
            raise ValidationError(f"a state file takes only the parameter v, got {sorted(params)}")
        state = load_state(spec, dims)
        return state if v is None else state.with_white_noise(_number("v", v))
    raise UnknownNameError(f"unknown state '{spec}'; known: {', '.join(CONSTRUCTORS)} or a .npy/.json file")


def _number(key: str, value) -> float:
    """A parameter value as int when it reads as one (e.g. d=3), else float."""
    if isinstance(value, (int, float)):
        return value
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    raise ValidationError(f"parameter {key}={value!r} is not a number")
