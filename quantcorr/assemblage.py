"""Assemblages: what untrusted parties' measurements steer the trusted party (Bob) into.

Bipartite: sigma[x, a] = tr_A[(M_{a|x} (x) 1) rho], array (settings, outcomes, dB, dB).
Multipartite (n steering parties): sigma[x1..xn, a1..an] with shape
(m1, ..., mn, o1, ..., on, dB, dB). Sub-normalised: sum_a sigma[x, a] = rho_B, tr rho_B = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import DimensionError, NoSignallingError, NotPSDError
from .linalg import dagger
from .measurements import MeasurementSet
from .states import State
from .validation import as_complex_array, check_hermitian, check_square, check_trace

TOL = 1e-7


@dataclass(frozen=True, eq=False)
class Assemblage:
    """Validated assemblage (Hermitian, unit total trace, no-signalling; PSD unless
    `require_psd=False`, which post-quantum constructions built from non-PSD operators may need).

    `measurements` (optional provenance): the local POVM arrays, one (m_k, o_k, d_k, d_k) per
    black-box party, that produced sigma from some (pseudo-)state, when known (`from_state` sets
    them). Solvers that work with fixed measurements (e.g. steering negativity) use them; their
    shapes are checked against sigma."""

    sigma: np.ndarray
    n_parties: int = 1
    require_psd: bool = True
    measurements: tuple | None = None

    def __post_init__(self) -> None:
        what = "assemblage"
        s = as_complex_array(self.sigma, what)
        check_square(s, what)
        n = int(self.n_parties)
        if n < 1 or s.ndim != 2 * n + 2:
            raise DimensionError(f"{what}: shape {s.shape} does not fit {n} steering part{'y' if n == 1 else 'ies'}"
                                 f" (expected {2 * n + 2} axes)")
        check_hermitian(s, what, TOL)
        s = 0.5 * (s + dagger(s))
        check_trace(s.sum(axis=tuple(range(n, 2 * n)))[(0,) * n], what, atol=TOL)
        if self.require_psd:
            low = float(np.linalg.eigvalsh(s).min())
            if low < -TOL:
                raise NotPSDError(f"{what}: an element has a negative eigenvalue {low:.3g}")
        s.setflags(write=False)
        object.__setattr__(self, "sigma", s)
        object.__setattr__(self, "n_parties", n)
        self._check_no_signalling()
        if self.measurements is not None:
            ms = tuple(np.asarray(m, complex) for m in self.measurements)
            if len(ms) != n or any(m.ndim != 4 or m.shape[:2] != (self.settings[k], self.outcomes[k])
                                   for k, m in enumerate(ms)):
                raise DimensionError(f"{what}: measurements of shapes {[m.shape for m in ms]} do not fit "
                                     f"settings {self.settings} and outcomes {self.outcomes}")
            object.__setattr__(self, "measurements", ms)

    @property
    def settings(self) -> tuple[int, ...]:
        return self.sigma.shape[: self.n_parties]

    @property
    def outcomes(self) -> tuple[int, ...]:
        return self.sigma.shape[self.n_parties : 2 * self.n_parties]

    @property
    def dim(self) -> int:
        return self.sigma.shape[-1]

    def reduced_state(self) -> np.ndarray:
        """Bob's reduced state rho_B (sum over all outcomes, first setting)."""
        n = self.n_parties
        return self.sigma.sum(axis=tuple(range(n, 2 * n)))[(0,) * n]

    def no_signalling_violation(self) -> float:
        """Largest deviation from no-signalling: for each party, the element with its outcome
        summed out must not depend on its setting."""
        n, s = self.n_parties, self.sigma
        worst = 0.0
        for k in range(n):
            marg = s.sum(axis=n + k, keepdims=True)
            worst = max(worst, float(np.max(np.abs(marg - marg.take([0], axis=k)))))
        return worst

    def min_eigenvalue(self) -> float:
        return float(np.linalg.eigvalsh(self.sigma).min())

    def _check_no_signalling(self) -> None:
        bad = self.no_signalling_violation()
        if bad > TOL:
            raise NoSignallingError(f"assemblage signals: marginals depend on the setting (deviation {bad:.3g})")

    def mixed(self, other: "Assemblage", v: float) -> "Assemblage":
        """v * self + (1 - v) * other (the provenance `measurements` is kept when both share it)."""
        if other.sigma.shape != self.sigma.shape:
            raise DimensionError(f"cannot mix assemblages of shapes {self.sigma.shape} and {other.sigma.shape}")
        same = self.measurements is not None and other.measurements is not None and all(
            np.array_equal(a, b) for a, b in zip(self.measurements, other.measurements))
        return Assemblage(v * self.sigma + (1 - v) * other.sigma, self.n_parties, self.require_psd,
                          self.measurements if same else None)

    def with_measurements(self, measurements: tuple | None) -> "Assemblage":
        """The same assemblage with the given provenance measurements."""
        return Assemblage(self.sigma, self.n_parties, self.require_psd, measurements)

    def white_noise_like(self) -> "Assemblage":
        """Uniform outcomes times Bob's maximally mixed state: I_dB / (dB * o1 * ... * on)."""
        d, n_out = self.dim, int(np.prod(self.outcomes))
        sigma = np.broadcast_to(np.eye(d) / (d * n_out), self.sigma.shape)
        return Assemblage(sigma, self.n_parties)

    def to_json(self) -> dict:
        return {"n_parties": self.n_parties, "real": self.sigma.real.tolist(), "imag": self.sigma.imag.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "Assemblage":
        sigma = np.asarray(data["real"], float) + 1j * np.asarray(data["imag"], float)
        return cls(sigma, int(data.get("n_parties", 1)))

    @classmethod
    def from_state(cls, state: State, measurements: MeasurementSet | Sequence[MeasurementSet]) -> "Assemblage":
        """sigma = tr_{steering}[(M^(1) (x) ... (x) M^(n) (x) 1) rho]; the last subsystem is Bob's.

        One MeasurementSet is used by every steering party when several are present."""
        n = state.n_parties - 1
        if n < 1:
            raise DimensionError("from_state needs at least two subsystems (steering parties + Bob)")
        sets = [measurements] * n if isinstance(measurements, MeasurementSet) else list(measurements)
        if len(sets) != n:
            raise DimensionError(f"state has {n} steering parties but {len(sets)} measurement sets were given")
        for k, ms in enumerate(sets):
            if ms.dim != state.dims[k]:
                raise DimensionError(f"measurements '{ms.name}' act on dimension {ms.dim}, "
                                     f"but steering party {k} has dimension {state.dims[k]}")
        letters = iter("efghklmnopqrstuvwxyzEFGHKLMNOPQRSTUVWXYZ")
        xs, as_, rows, cols = ([next(letters) for _ in range(n)] for _ in range(4))
        ops = [f"{xs[k]}{as_[k]}{cols[k]}{rows[k]}" for k in range(n)]
        rho_idx = "".join(rows) + "b" + "".join(cols) + "c"
        out = "".join(xs) + "".join(as_) + "bc"
        elements = [ms.elements for ms in sets]
        sigma = np.einsum(",".join(ops) + "," + rho_idx + "->" + out, *elements,
                          state.rho.reshape(state.dims + state.dims))
        return cls(sigma, n, measurements=tuple(elements))
