"""Continuous measurement families (`pvm`, `povm`): finite subsets and analytic cases.

Why a finite subset gives a lower bound for the whole family: the assemblage of the subset is a
restriction of the family's (keep only the chosen settings). Restricting an LHS assemblage gives
an LHS assemblage (same hidden states, restricted response functions), so a decomposition
sigma = (1 + mu) L_1 - mu L_2 of the family restricts to one of the subset, and a t-bit model of
the family restricts to a t-bit model of the subset. Hence nu(subset) <= nu(family) and
log2(1 + nu(subset)) lower-bounds the bits any exact simulation of the family needs. The subset
must lie in the family: PVMs for `pvm` (checked: every element a projector), any POVMs for
`povm` (PVMs are POVMs).

Analytic cases (Sainz, Aolita, Brunner, Gallego, Skrzypczyk, PRA 94, 012308 (2016)): exact
simulation needs infinite communication for a pure entangled state under all rank-one PVMs, and
for the normalised antisymmetric projector of two qudits; both hold a fortiori for all POVMs.
They are detected from the density matrix, within a tolerance.
"""

from __future__ import annotations

import numpy as np

from quantcorr.errors import OptionError, QuantcorrError
from quantcorr.measurements import MeasurementSet, MeasurementSpace, measurements_from_spec
from quantcorr.states import State

SAINZ = "Sainz, Aolita, Brunner, Gallego, Skrzypczyk, PRA 94, 012308 (2016)"


def subset(space: MeasurementSpace, spec: str) -> MeasurementSet:
    """The finite subset named by `spec` ("auto": icosahedron axes for a qubit, all MUBs for a
    prime dimension), checked to belong to the family."""
    d = space.dim
    if spec == "auto":
        if d == 2:
            spec = "icosahedron"
        elif all(d % p for p in range(2, int(np.sqrt(d)) + 1)):
            spec = "mubs"
        else:
            raise OptionError(f"--subset: no default subset for dimension {d}; give a measurement file")
    try:
        ms = measurements_from_spec(spec, d)
    except QuantcorrError as exc:
        raise OptionError(f"--subset {spec}: {exc}") from None
    if not isinstance(ms, MeasurementSet):
        raise OptionError(f"--subset must name a finite measurement set, got '{spec}'")
    if space.kind == "pvm":
        e = ms.elements
        if np.max(np.abs(e @ e - e)) > 1e-8:
            raise OptionError(f"--subset {spec}: not projective, so not a subset of the family 'pvm'")
    return ms


def infinite_case(state: State, tol: float) -> str | None:
    """A description of the analytic infinite-communication case `state` falls in, or None.
    Two parties only; tol bounds the deviation (purity, or max entry distance)."""
    if state.n_parties != 2:
        return None
    rho = state.rho
    purity = float(np.real(np.trace(rho @ rho)))
    if purity >= 1.0 - tol:
        rho_a = state.reduced(0)
        if float(np.real(np.trace(rho_a @ rho_a))) <= 1.0 - tol:
            return "pure entangled state (Schmidt rank >= 2) under all rank-one PVMs"
    d_a, d_b = state.dims
    if d_a == d_b and d_a > 2:
        d = d_a
        swap = np.eye(d * d).reshape(d, d, d, d).transpose(0, 1, 3, 2).reshape(d * d, d * d)
        anti = (np.eye(d * d) - swap) / (d * (d - 1))
        if float(np.max(np.abs(rho - anti))) <= tol:
            return f"normalised antisymmetric projector of two qudits (d={d}) under all rank-one PVMs"
    return None
