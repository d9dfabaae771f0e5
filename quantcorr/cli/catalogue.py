"""Rows for `quantcorr targets`: named states and measurement sets with their parameters."""

from __future__ import annotations

import inspect
from typing import Any


def state_rows() -> list[dict[str, Any]]:
    from ..states import CONSTRUCTORS

    rows = []
    for name, ctor in CONSTRUCTORS.items():
        params = [{"name": p.name, "type": type(p.default).__name__, "default": p.default}
                  for p in inspect.signature(ctor).parameters.values()]
        doc = (ctor.__doc__ or "").strip().splitlines()[0]
        rows.append({"name": name, "params": params, "description": doc})
    rows.append({"name": "FILE.npy|FILE.json", "params": [{"name": "v", "type": "float", "default": None},
                                                          {"name": "dims", "type": "tuple", "default": None}],
                 "description": "density matrix file; v mixes with I/D; dims (or --dims 2,3) for unequal parts"})
    return rows


def measurement_rows() -> list[dict[str, Any]]:
    from ..polyhedra import DIRECTION_SETS

    rows = [{"name": "xz", "description": "qubit: Pauli X and Z"},
            {"name": "paulis", "description": "qubit: X, Y, Z"}]
    rows += [{"name": n, "description": "qubit: axes of a polyhedron / geodesic direction set"} for n in DIRECTION_SETS]
    rows += [{"name": "mubs", "description": "all d+1 mutually unbiased bases (prime d)"},
             {"name": "mubs:K", "description": "the first K mutually unbiased bases"},
             {"name": "bloch:x,y,z;...", "description": "qubit PVMs along the given Bloch vectors"},
             {"name": "pvm", "description": "all projective measurements (continuous)"},
             {"name": "povm", "description": "all POVMs (continuous)"},
             {"name": "FILE.npy|FILE.json", "description": "POVM list (settings, outcomes, d, d)"},
             {"name": "A|B|...", "description": "one set per black-box party (multipartite states)"}]
    return rows
