"""Bell behaviours p(a, b | x, y), stored as p[x, y, a, b] (Alice's setting and outcome first).

CHSH coordinates (binary outcomes, two settings each), REFERENCE.md section 6:
p = (<A0>, <A1>, <B0>, <B1>, E00, E01, E10, E11) with
p(a,b|x,y) = [1 + (-1)^a <A_x> + (-1)^b <B_y> + (-1)^(a+b) E_xy] / 4.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .errors import DimensionError, NoSignallingError, ValidationError
from .measurements import MeasurementSet
from .states import State

TOL = 1e-8


@dataclass(frozen=True, eq=False)
class Behaviour:
    """Validated no-signalling behaviour p[x, y, a, b] (non-negative, normalised per x, y)."""

    p: np.ndarray

    def __post_init__(self) -> None:
        try:
            p = np.array(self.p, dtype=float)
        except (TypeError, ValueError) as exc:
            raise DimensionError(f"behaviour: cannot be read as a real array ({exc})") from None
        if p.ndim != 4:
            raise DimensionError(f"behaviour: expected shape (x, y, a, b), got {p.shape}")
        if not np.all(np.isfinite(p)):
            raise ValidationError("behaviour: contains NaN or infinite entries")
        if p.min() < -TOL:
            raise ValidationError(f"behaviour: negative probability {p.min():.3g}")
        norm = np.abs(p.sum(axis=(2, 3)) - 1).max()
        if norm > 1e-6:
            raise ValidationError(f"behaviour: p(.,.|x,y) does not sum to 1 (deviation {norm:.3g})")
        pa, pb = p.sum(3), p.sum(2)
        dev = max(np.abs(pa - pa[:, :1]).max(), np.abs(pb - pb[:1]).max())
        if dev > 1e-6:
            raise NoSignallingError(f"behaviour signals (marginal deviation {dev:.3g})")
        p.setflags(write=False)
        object.__setattr__(self, "p", p)

    @property
    def settings(self) -> tuple[int, int]:
        return self.p.shape[:2]

    @property
    def outcomes(self) -> tuple[int, int]:
        return self.p.shape[2:]

    def chsh_coordinates(self) -> np.ndarray:
        if self.p.shape != (2, 2, 2, 2):
            raise DimensionError(f"CHSH coordinates need a 2222 scenario, got shape {self.p.shape}")
        sign = np.array([1.0, -1.0])
        a = np.einsum("xab,a->x", self.p[:, 0], sign)
        b = np.einsum("yab,b->y", self.p[0], sign)
        e = np.einsum("xyab,a,b->xy", self.p, sign, sign)
        return np.concatenate([a, b, e.ravel()])

    def chsh_value(self) -> float:
        e = self.chsh_coordinates()[4:]
        return float(e[0] + e[1] + e[2] - e[3])

    def white_noise_like(self) -> "Behaviour":
        """Uniform outcomes, p = 1/(oA oB), same scenario."""
        return white_noise(self.settings, self.outcomes)

    def mixed(self, other: "Behaviour", v: float) -> "Behaviour":
        return Behaviour(v * self.p + (1 - v) * other.p)

    @classmethod
    def from_chsh(cls, coords) -> "Behaviour":
        c = np.asarray(coords, float)
        if c.shape == (4,):
            c = np.concatenate([np.zeros(4), c])
        if c.shape != (8,):
            raise DimensionError(f"CHSH coordinates must have 4 or 8 entries, got {c.shape}")
        s = np.array([1.0, -1.0])
        p = (1 + s[None, None, :, None] * c[:2, None, None, None] + s[None, None, None, :] * c[None, 2:4, None, None]
             + np.multiply.outer(s, s)[None, None] * c[4:].reshape(2, 2)[:, :, None, None]) / 4
        return cls(p)

    @classmethod
    def from_state(cls, state: State, alice: MeasurementSet, bob: MeasurementSet) -> "Behaviour":
        if state.n_parties != 2 or alice.dim != state.dims[0] or bob.dim != state.dims[1]:
            raise DimensionError(f"measurements of dimensions ({alice.dim}, {bob.dim}) do not fit state dims {state.dims}")
        rho = state.rho.reshape(state.dims * 2)
        p = np.einsum("xaji,yblk,ikjl->xyab", alice.elements, bob.elements, rho).real
        return cls(p)

    def to_json(self) -> dict:
        return {"p": self.p.tolist()}


def _visibility(v: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
        raise ValidationError(f"visibility v must lie in [0, 1], got {v!r}")
    return float(v)


def pr_box(v: float = 1.0) -> Behaviour:
    """Popescu-Rohrlich box (a XOR b = x AND y, uniform marginals, CHSH = 4) mixed with white
    noise: E = v (1, 1, 1, -1). Quantum iff v <= 1/sqrt2, local iff v <= 1/2."""
    return Behaviour.from_chsh(_visibility(v) * np.array([1.0, 1, 1, -1]))


def tsirelson(v: float = 1.0) -> Behaviour:
    """Tsirelson point: zero marginals, E = v (1, 1, 1, -1)/sqrt2 (CHSH = 2 sqrt2 v)."""
    return Behaviour.from_chsh(_visibility(v) * np.array([1.0, 1, 1, -1]) / np.sqrt(2))


def white_noise(settings: tuple[int, ...] = (2, 2), outcomes: tuple[int, ...] = (2, 2)) -> Behaviour:
    """Uniform outcomes p(a, b | x, y) = 1/(oA oB) for every setting pair."""
    settings, outcomes = tuple(settings), tuple(outcomes)
    if len(settings) != 2 or len(outcomes) != 2 or min(settings + outcomes) < 1:
        raise ValidationError(f"white noise needs two positive setting counts and two outcome counts, "
                              f"got settings={settings}, outcomes={outcomes}")
    if int(np.prod(settings)) * int(np.prod(outcomes)) > 10**7:
        raise ValidationError(f"white noise of {settings} settings and {outcomes} outcomes is too large")
    return Behaviour(np.full(settings + outcomes, 1.0 / (outcomes[0] * outcomes[1])))


def deterministic_points(settings: tuple[int, int] = (2, 2), outcomes: tuple[int, int] = (2, 2)) -> list[Behaviour]:
    """All local deterministic behaviours p = [a = f(x)][b = g(y)]."""
    mx, my = settings
    oa, ob = outcomes
    pts = []
    for fa in itertools.product(range(oa), repeat=mx):
        for fb in itertools.product(range(ob), repeat=my):
            p = np.zeros((mx, my, oa, ob))
            for x in range(mx):
                for y in range(my):
                    p[x, y, fa[x], fb[y]] = 1.0
            pts.append(Behaviour(p))
    return pts
