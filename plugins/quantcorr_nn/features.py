"""Input features of the learned classifiers, named by a comma-separated spec such as "raw,tlm".

- raw:  the CHSH coordinates themselves (4 or 8 numbers);
- chsh: the four CHSH expressions of the correlators (linear, so they only re-weight the raw input);
- tlm:  arcsine terms: asin D_xy (the four normalised correlators, D = E on the zero-marginal
        slice), the four signed sums sum_xy s_xy asin D_xy, and max |sum| - pi, which is <= 0
        exactly on the NPA level-1 set (the quantum set itself in space 4).
"""

from __future__ import annotations

import numpy as np

from quantcorr.errors import OptionError

from .geometry import CHSH_SIGNS, chsh_values, q1_correlators

KINDS = ("raw", "chsh", "tlm")


def parse_spec(spec: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in spec.split(",") if p.strip())
    bad = [p for p in parts if p not in KINDS]
    if not parts or bad or len(set(parts)) != len(parts):
        raise OptionError(f"--features must be a comma-separated subset of {', '.join(KINDS)}, got {spec!r}")
    return parts


def features(x: np.ndarray, spec: str) -> np.ndarray:
    """Feature matrix (N, F) of points x (N, 4 or 8)."""
    x = np.asarray(x, float)
    cols = []
    for kind in parse_spec(spec):
        if kind == "raw":
            cols.append(x)
        elif kind == "chsh":
            cols.append(chsh_values(x))
        else:
            s = np.arcsin(q1_correlators(x))
            sums = s @ CHSH_SIGNS.T
            cols += [s, sums, (np.abs(sums).max(axis=1) - np.pi)[:, None]]
    return np.concatenate(cols, axis=1)
