"""quantcorr: decide what kind of quantum correlation a state or assemblage carries.

Public names are imported lazily so that `quantcorr --help` starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .hookspecs import hookimpl

__version__ = "0.1.0"

_EXPORTS = {
    "State": "states", "werner": "states", "isotropic": "states", "ghz": "states", "w": "states",
    "partially_entangled": "states", "antisymmetric": "states", "product": "states",
    "from_array": "states", "load_state": "states", "state_from_spec": "states",
    "POVM": "measurements", "MeasurementSet": "measurements", "MeasurementSpace": "measurements",
    "MeasurementFamily": "measurements", "measurements_from_spec": "measurements", "mubs": "measurements",
    "Assemblage": "assemblage", "Behaviour": "correlations", "pr_box": "correlations",
    "Certifier": "certifier", "Options": "certifier", "Result": "certifier", "Verdict": "certifier",
    "Rigor": "certifier", "Certificate": "certifier", "SteeringTarget": "certifier",
    "Problem": "problems", "VisibilityFamily": "threshold", "ThresholdResult": "threshold",
    "get_registry": "plugins", "QuantcorrError": "errors",
}

__all__ = ["hookimpl", "__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'quantcorr' has no attribute {name!r}")
