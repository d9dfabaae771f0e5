"""Named behaviours of the npa plugin."""

from __future__ import annotations

import numpy as np

from quantcorr.correlations import Behaviour
from quantcorr.errors import ValidationError


def i3322_qubit(v: float = 1.0) -> Behaviour:
    """|phi+> with +-1 observables in the x-z plane at angles (0, -pi/3, pi/3) for both parties:
    zero marginals, E_xy = cos(t_x - t_y); I3322 (Collins-Gisin form) = 1/4 at v = 1, mixed with
    white noise as v * p + (1 - v) / 4 (I3322 = -1 for noise)."""
    if not 0.0 <= v <= 1.0:
        raise ValidationError(f"visibility v must lie in [0, 1], got {v}")
    t = np.array([0.0, -np.pi / 3, np.pi / 3])
    E = v * np.cos(t[:, None] - t[None, :])
    s = np.array([1.0, -1.0])
    return Behaviour((1 + np.einsum("xy,a,b->xyab", E, s, s)) / 4)
