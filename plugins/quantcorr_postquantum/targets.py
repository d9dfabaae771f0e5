"""Named post-quantum targets (registered with `register_targets`; each is a plain function too).

Conventions: n black-box parties steer Bob, whose factor is the LAST subsystem; the assemblage
of a Hermitian operator rho~ under local POVMs is tr_{1..n}[(M^(1) (x) .. (x) M^(n) (x) 1) rho~]
(`pseudo.assemblage_of`). Every function takes a visibility v and returns
v * sigma + (1 - v) * noise with the white noise of `Assemblage.white_noise_like`
(uniform outcomes times 1/dB), the same family `quantcorr threshold` scans.

- `pr_steering`: the PR box of two black-box parties times Bob's maximally mixed state.
- `upb_shifts`: the Gleason assemblage of the Shifts UPB witness (`upb`), parties 1 and 2 measure
  in {|0>, |1>} and {|e>, |e_perp>}, qubit 3 is Bob; every element is PSD.
- `gleason`: a unit-trace Hermitian operator from a file under given local measurements (elements
  may be non-PSD: the PSD check is waived then).
- `map_assemblage`: a quantum assemblage with a positive map (`maps`) applied to every element on
  Bob's side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from quantcorr.assemblage import Assemblage
from quantcorr.errors import DimensionError, InputFileError, ValidationError
from quantcorr.fileio import read_npy_or_json
from quantcorr.measurements import MeasurementSet, measurements_from_spec
from quantcorr.states import State, state_from_spec

from .maps import positive_map
from .pseudo import assemblage_of
from .upb import shifts_witness


def _visibility(assemblage: Assemblage, v: float, measurements: tuple[np.ndarray, ...] = ()) -> Assemblage:
    """The mixture at visibility v, carrying `measurements` (the local POVM arrays the assemblage
    came from) as provenance for steering-negativity's fixed-measurement SDP."""
    if not np.isfinite(v) or not 0.0 <= v <= 1.0:
        raise ValidationError(f"visibility v must lie in [0, 1], got {v}")
    out = assemblage if v == 1.0 else assemblage.mixed(assemblage.white_noise_like(), v)
    return out.with_measurements(measurements) if measurements else out


def pr_steering(v: float = 1.0, dim: int = 2) -> Assemblage:
    """sigma[x, y, a, b] = p_PR(a, b | x, y) * 1/dim with p_PR = 1/2 if a XOR b = x AND y, else 0.
    Post-quantum for v > 1/sqrt(2) (Tsirelson), the almost-quantum threshold as well."""
    if int(dim) != dim or dim < 1:
        raise ValidationError(f"dim must be a positive integer, got {dim}")
    x, y, a, b = np.indices((2, 2, 2, 2))
    p = np.where((a ^ b) == (x & y), 0.5, 0.0)
    sigma = p[..., None, None] * np.eye(int(dim)) / dim
    return _visibility(Assemblage(sigma, 2), v)


def _party_sets(spec: str, dims: tuple[int, ...]) -> tuple[MeasurementSet, ...]:
    specs = [s.strip() for s in spec.split("|")]
    if len(specs) == 1:
        specs = specs * len(dims)
    if len(specs) != len(dims):
        raise DimensionError(f"measurements {spec!r} name {len(specs)} parties, the operator has {len(dims)} "
                             "black-box parties")
    out = []
    for s, d in zip(specs, dims):
        ms = measurements_from_spec(s, d)
        if not isinstance(ms, MeasurementSet):
            raise ValidationError(f"measurements {s!r}: a Gleason assemblage needs a finite measurement set")
        out.append(ms)
    return tuple(out)


def _infer_dims(D: int, spec: str, dims: tuple[int, ...]) -> tuple[int, ...]:
    """dims given, or: one entry per '|'-separated measurement spec (two parties when there is
    no '|'), dimension 2 unless the spec is a file (its own dimension), Bob gets the rest."""
    if dims:
        dims = tuple(int(d) for d in dims)
        if len(dims) < 2 or any(d < 1 for d in dims) or int(np.prod(dims)) != D:
            raise DimensionError(f"dims={dims} must hold >= 2 positive entries multiplying to {D}")
        return dims
    specs = [s.strip() for s in spec.split("|")]
    specs = specs if len(specs) > 1 else specs * 2
    party = []
    for s in specs:
        if Path(s).suffix in (".npy", ".json"):
            from quantcorr.measurements import load_measurements

            party.append(load_measurements(s).dim)
        else:
            party.append(2)
    dA = int(np.prod(party))
    if D % dA:
        raise DimensionError(f"cannot split dimension {D} into black-box parties {tuple(party)} and Bob; give dims=...")
    return tuple(party) + (D // dA,)


def load_operator(path: str) -> np.ndarray:
    """A square complex matrix from .npy, or .json {"real": [[..]], "imag": [[..]]}."""
    data = read_npy_or_json(path, "operator")
    try:
        if isinstance(data, np.ndarray):
            W = np.asarray(data, complex)
        else:
            W = np.asarray(data["real"], float) + 1j * np.asarray(data.get("imag", 0.0), float)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputFileError(f"cannot read operator file {path}: {exc}") from None
    if W.ndim != 2 or W.shape[0] != W.shape[1] or not np.all(np.isfinite(W)):
        raise DimensionError(f"operator file {path}: expected a finite square matrix, got shape {W.shape}")
    return W


def gleason_assemblage(W: np.ndarray, dims: tuple[int, ...], sets: tuple[MeasurementSet, ...]) -> Assemblage:
    """The assemblage of a unit-trace Hermitian W (dims: black-box parties then Bob) under the
    given sets; the PSD check is kept when every element is PSD (to 1e-9) and waived otherwise."""
    W = np.asarray(W, complex)
    if np.abs(W - W.conj().T).max() > 1e-8:
        raise ValidationError("the operator is not Hermitian")
    tr = np.trace(W).real
    if abs(tr - 1) > 1e-6:
        raise ValidationError(f"the operator has trace {tr:.6g}, expected 1 (divide it by its trace)")
    sigma = assemblage_of(0.5 * (W + W.conj().T), dims, tuple(s.elements for s in sets))
    psd = float(np.linalg.eigvalsh(sigma.reshape(-1, dims[-1], dims[-1])).min()) >= -1e-9
    return Assemblage(sigma, len(sets), require_psd=psd)


def gleason(witness: str, measurements: str = "xz", dims: tuple = (), v: float = 1.0) -> Assemblage:
    """Assemblage of the unit-trace Hermitian operator in `witness` (.npy or .json) under
    `measurements` ('xz', or one spec per party 'xz|paulis'); `dims` = black-box dims then Bob's,
    e.g. (2, 2, 2), when it cannot be inferred (qubit parties by default, Bob gets the rest)."""
    W = load_operator(witness)
    dims = _infer_dims(W.shape[0], measurements, tuple(dims or ()))
    sets = _party_sets(measurements, dims[:-1])
    return _visibility(gleason_assemblage(W, dims, sets), v, tuple(s.elements for s in sets))


def upb_shifts(theta: float = np.pi / 4, v: float = 1.0) -> Assemblage:
    """Gleason assemblage of the Shifts UPB witness W = (Pi - eps 1)/tr(.) (`upb`): qubits 1, 2
    measure {|0>,|1>} (setting 0) and {|e>,|e_perp>} (setting 1), qubit 3 is Bob. Every element is
    PSD (checked); at theta = pi/4 eps = 0.0814413 and the assemblage is post-quantum."""
    W = shifts_witness(float(theta))
    basis = np.array([[1, 0], [0, 1]], complex), np.array([[np.cos(theta), -np.sin(theta)],
                                                           [np.sin(theta), np.cos(theta)]], complex)
    M = np.array([[np.outer(b[:, k], b[:, k].conj()) for k in range(2)] for b in basis])
    sigma = assemblage_of(W, (2, 2, 2), (M, M))
    return _visibility(Assemblage(sigma, 2), v, (M, M))


def _map_state(state: str, dims: tuple[int, ...], party_dims: tuple[int, ...], seed: int) -> State:
    if state in ("", "max-entangled"):
        dA = int(np.prod(party_dims))
        phi = np.eye(dA, dtype=complex).reshape(-1) / np.sqrt(dA)
        return State(np.outer(phi, phi.conj()), party_dims + (dA,), "max-entangled")
    if state == "haar":
        dims = dims or party_dims + (4,)
        rng = np.random.default_rng(int(seed))
        D = int(np.prod(dims))
        psi = rng.standard_normal(D) + 1j * rng.standard_normal(D)
        psi /= np.linalg.norm(psi)
        return State(np.outer(psi, psi.conj()), dims, f"haar(seed={seed})")
    st = state_from_spec(state)
    if dims:
        if int(np.prod(dims)) != st.dim:
            raise DimensionError(f"dims={tuple(dims)} do not multiply to the state's dimension {st.dim}")
        st = State(st.rho, dims, st.name)
    return st


def map_assemblage(map: str = "breuer-hall", U: str = "XY", state: str = "", measurements: str = "xz",
                   dims: tuple = (), seed: int = 0, v: float = 1.0) -> Assemblage:
    """Lambda(sigma[x.., a..]) for the assemblage of `state` under `measurements`, with the
    positive map `map` (transpose | reduction | breuer-hall with the Pauli-string unitary U |
    a .npy Choi matrix, see `maps`) on Bob's side. `state`: "" = the maximally entangled state of
    the black-box qubits (one per '|'-separated spec, two by default) with Bob; "haar" = a
    Haar-random pure state (numpy default_rng(seed)) on `dims` (default 2,2,4); else a state
    name or file (core `state_from_spec`), regrouped by `dims` (e.g. 2,2,4 for four qubits)."""
    specs = measurements.split("|")
    n = len(specs) if len(specs) > 1 else 2
    party = tuple(dims[:-1]) if dims else (2,) * n
    st = _map_state(state.strip(), tuple(int(d) for d in dims or ()), party, seed)
    sets = _party_sets(measurements, st.dims[:-1])
    sigma = assemblage_of(st.rho, st.dims, tuple(s.elements for s in sets))
    image = positive_map(map, st.dims[-1], U)(sigma)
    return _visibility(Assemblage(0.5 * (image + np.conj(np.swapaxes(image, -1, -2))), len(sets)), v,
                       tuple(s.elements for s in sets))
