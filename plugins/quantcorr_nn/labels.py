"""Labels: membership in the quantum set (NPA level `level`) and the boundary scaling lambda*.

One entry point, `make_labeller(space, level, method)`:
- "tlm": the exact TLM criterion, zero-marginal points only (space 4). NPA level 1 is exact on
  that slice, so the labels equal those of every level >= 1 and of the quantum set itself.
- "npa": the batched NPA API of the npa plugin (`quantcorr_npa.batched.NpaBatch`), with two exact
  shortcuts that skip the SDP: an NS point satisfying all eight CHSH inequalities is local, hence
  in Q_level; a point with a CHSH value above 2*sqrt(2) is outside Q_1, hence outside Q_level.
  Points outside the NS set are labelled not quantum. For lambda*, a ray that leaves the local
  polytope through an NS facet leaves Q_level there too (L in Q_level in NS): lambda* = lambda_NS.
- "auto": "tlm" in space 4, "npa" in space 8.
Label convention everywhere in this plugin: True / 1 = in Q_level ("quantum").
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .geometry import (TSIRELSON, chsh_values, check_space, ns_max_scaling, ns_slack, open_rays, tlm_contains,
                       tlm_max_scaling)

METHODS = ("auto", "tlm", "npa")


class Labeller(Protocol):
    name: str

    def contains(self, x: np.ndarray) -> np.ndarray: ...

    def max_scaling(self, u: np.ndarray) -> np.ndarray: ...


class TlmLabeller:
    """Exact labels on the zero-marginal slice (space 4)."""

    def __init__(self, level: str):
        self.name = f"tlm (exact; equals NPA level {level} on the zero-marginal slice)"

    def contains(self, x: np.ndarray) -> np.ndarray:
        return tlm_contains(x)

    def max_scaling(self, u: np.ndarray) -> np.ndarray:
        return tlm_max_scaling(u)


def npa_batch(level: str, space: int):
    """The npa plugin's batched API (the one line to change if that API moves)."""
    from quantcorr.errors import SolverUnavailableError

    try:
        from quantcorr_npa.batched import NpaBatch
    except ImportError as exc:
        raise SolverUnavailableError(f"NPA labels need quantcorr_npa.batched.NpaBatch ({exc}); "
                                     "use space 4 (exact TLM labels) meanwhile") from None
    return NpaBatch(level=level, space=space)


class NpaLabeller:
    """NPA labels with the exact local / Tsirelson shortcuts (see the module docstring)."""

    def __init__(self, level: str, space: int):
        self.name = f"npa level {level}"
        self.space = space
        self._batch = npa_batch(level, space)
        self.sdp_calls = 0

    def contains(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        chsh = np.abs(chsh_values(x)).max(axis=1)
        ns = ns_slack(x) >= -1e-12
        out = ns & (chsh <= 2.0)
        todo = ns & (chsh > 2.0) & (chsh <= TSIRELSON)
        if todo.any():
            self.sdp_calls += int(todo.sum())
            out[todo] = np.asarray(self._batch.contains(x[todo]), bool)
        return out

    def max_scaling(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, float)
        lam = ns_max_scaling(u)
        todo = open_rays(u)  # elsewhere the ray leaves L, hence Q_level, through an NS facet
        if todo.any():
            self.sdp_calls += int(todo.sum())
            lam[todo] = np.asarray(self._batch.max_scaling(u[todo]), float)
        return lam


def make_labeller(space: int, level: str = "1+AB", method: str = "auto") -> Labeller:
    """The labeller for points of `space` (see the module docstring)."""
    from quantcorr.errors import OptionError

    check_space(space)
    if method not in METHODS:
        raise OptionError(f"--labels must be one of {', '.join(METHODS)}, got {method!r}")
    try:
        from quantcorr_npa.words import LEVELS
    except ImportError:
        LEVELS = None
    if LEVELS is not None and level not in LEVELS:
        raise OptionError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    if method == "tlm" or (method == "auto" and space == 4):
        if space != 4:
            raise OptionError("TLM labels are exact only on the zero-marginal slice: use --space 4 or --labels npa")
        return TlmLabeller(level)
    return NpaLabeller(level, space)
