"""Small example targets of each kind, used to show which kinds a solver takes
(`quantcorr solvers`) without asking solvers to describe themselves."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def probe_targets() -> dict[str, list[Any]]:
    """{label: [targets]} for every label of `TARGET_LABELS`; a solver takes the kind when it
    supports any of them."""
    from .assemblage import Assemblage
    from .certifier import SteeringTarget
    from .correlations import pr_box, white_noise
    from .measurements import MeasurementSpace, measurements_from_spec
    from .states import ghz, isotropic, werner

    xz = measurements_from_spec("xz", 2)
    return {
        "state+finite": [SteeringTarget(werner(0.5), xz), SteeringTarget(isotropic(3, 0.5), measurements_from_spec("mubs", 3))],
        "state+pvm/povm": [SteeringTarget(werner(0.5), MeasurementSpace("pvm", 2)),
                           SteeringTarget(werner(0.5), MeasurementSpace("povm", 2))],
        "multipartite": [SteeringTarget(ghz(3, 0.5), xz)],
        "assemblage": [Assemblage.from_state(werner(0.5), xz)],
        "assemblage(n>=2)": [Assemblage.from_state(ghz(3, 0.5), xz)],
        "behaviour": [pr_box(0.5), white_noise((3, 3), (2, 2))],
    }
