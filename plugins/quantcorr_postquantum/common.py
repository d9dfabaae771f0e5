"""What both post-quantum solvers share: reading targets, the negative-element check and the
n = 1 realisation (Schrodinger-HJW).

A target is an `Assemblage` (any number n >= 1 of black-box parties) or a `SteeringTarget` whose
measurements are one finite `MeasurementSet` (used by every black-box party) or a tuple of them,
one per party; for the latter the physical measurements are known and returned too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import Certificate, Result, Rigor, SteeringTarget, Verdict
from quantcorr.errors import DimensionError, UnsupportedTargetError
from quantcorr.measurements import MeasurementSet
from quantcorr.states import State
from quantcorr.threshold import VisibilityFamily

from .pseudo import assemblage_of

REALISATION_TOL = 1e-7  # max |entry| deviation accepted when re-checking a realisation


@dataclass(frozen=True)
class Case:
    """An assemblage array with its party count and, when known, the physical measurements
    (one (m, o, d, d) array per black-box party)."""

    sigma: np.ndarray
    n_parties: int
    measurements: tuple[np.ndarray, ...] | None = None
    name: str = ""


def measurement_sets(target: SteeringTarget) -> tuple[MeasurementSet, ...]:
    n = target.state.n_parties - 1
    ms = target.measurements
    sets = tuple(ms) if isinstance(ms, (tuple, list)) else (ms,) * n
    if len(sets) != n or not all(isinstance(s, MeasurementSet) for s in sets):
        raise DimensionError(f"need {n} finite measurement set(s), one per black-box party")
    return sets


def supported(target) -> bool:
    if isinstance(target, Assemblage):
        return True
    if isinstance(target, SteeringTarget):
        ms = target.measurements
        sets = tuple(ms) if isinstance(ms, (tuple, list)) else (ms,)
        return all(isinstance(s, MeasurementSet) for s in sets)
    return False


def case_of(target) -> Case:
    if isinstance(target, Assemblage):  # measurements known when one of our targets built it
        return Case(np.asarray(target.sigma), target.n_parties, target.measurements)
    sets = measurement_sets(target)
    assemblage = Assemblage.from_state(target.state, sets if len(sets) > 1 else sets[0])
    return Case(np.asarray(assemblage.sigma), assemblage.n_parties, tuple(s.elements for s in sets),
                target.describe())


def negative_element(solver: str, case: Case, tol: float) -> Result | None:
    """A "post-quantum" result (certified) when an element has an eigenvalue below -tol: for
    that eigenvector |e>, <e|sigma_{a|x}|e> >= 0 for every quantum assemblage."""
    d = case.sigma.shape[-1]
    flat = case.sigma.reshape(-1, d, d)
    w, vecs = np.linalg.eigh(flat)
    k = int(np.argmin(w[:, 0]))
    if w[k, 0] >= -tol:
        return None
    e = vecs[k, :, 0]
    value = float(np.real(e.conj() @ flat[k] @ e))  # recomputed from the element itself
    index = np.unravel_index(k, case.sigma.shape[:-2])
    cert = Certificate("negative-element", {"index": [int(i) for i in index], "vector": e, "value": value},
                       "an element with a negative eigenvalue: <e|sigma|e> >= 0 for every quantum assemblage")
    return Result(solver, "post-quantum", Verdict.POST_QUANTUM, Rigor.CERTIFIED, value=-value,
                  quantities={"min_eigenvalue": value}, certificate=cert,
                  message=f"element {tuple(int(i) for i in index)} has eigenvalue {value:.3g} < 0: "
                          "not a quantum assemblage")


# ------------------------------------------------------------------ n = 1: Schrodinger-HJW

def purification_realisation(sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(psi, M, deviation) for a bipartite assemblage sigma (m, o, d, d) with PSD elements.

    rho_B = V diag(l) V^dag (rank r); psi = sum_i sqrt(l_i) |i>_A |v_i>_B on C^r (x) C^d, and
    Alice's POVMs M_{a|x} = (L^-1 V^dag sigma_{a|x} V L^-1)^T, L = diag(sqrt l), on C^r, made
    exactly PSD and complete (clip, then S^-1/2 M S^-1/2 with S = sum_a M). `deviation` is the
    largest entry of |tr_A[(M (x) 1)|psi><psi|] - sigma|, recomputed from psi and M."""
    sigma = np.asarray(sigma, complex)
    rho_b = sigma[0].sum(0)
    lam, vec = np.linalg.eigh(0.5 * (rho_b + rho_b.conj().T))
    keep = lam > 1e-12 * max(1.0, lam.max())
    lam, vec = lam[keep], vec[:, keep]
    r, d = len(lam), sigma.shape[-1]
    inv = 1.0 / np.sqrt(lam)
    M = np.einsum("i,ki,xakl,lj,j->xaji", inv, vec.conj(), sigma, vec, inv)  # (L^-1 V^+ sigma V L^-1)^T
    M = 0.5 * (M + np.conj(np.swapaxes(M, -1, -2)))
    w, u = np.linalg.eigh(M)
    M = (u * np.clip(w, 0, None)[..., None, :]) @ np.conj(np.swapaxes(u, -1, -2))
    s = M.sum(1, keepdims=True)
    sw, su = np.linalg.eigh(s)
    s_inv = (su * (1.0 / np.sqrt(sw))[..., None, :]) @ np.conj(np.swapaxes(su, -1, -2))
    M = s_inv @ M @ s_inv
    psi = np.einsum("i,ki->ik", np.sqrt(lam), vec).reshape(r * d)  # |i>_A (x) |v_i>_B
    rho = np.outer(psi, psi.conj())
    back = assemblage_of(rho, (r, d), (M,))
    return psi, M, float(np.abs(back - sigma).max())


def realisation_result(solver: str, case: Case, tol: float = REALISATION_TOL) -> Result:
    """n = 1: every no-signalling assemblage with PSD elements is quantum; return the explicit
    realisation, re-checked. "failed" if the re-check misses `tol` (it cannot for valid input)."""
    psi, M, dev = purification_realisation(case.sigma)
    r = M.shape[-1]
    cert = Certificate("quantum-realisation", {"psi": psi, "dims": [r, case.sigma.shape[-1]], "measurements": M,
                                               "deviation": dev},
                       "pure state psi on C^r (x) C^dB and Alice's POVMs M(a|x) on C^r reproducing the assemblage")
    if dev > tol:
        return Result(solver, "post-quantum", Verdict.FAILED, None, certificate=cert,
                      message=f"purification re-check deviates by {dev:.3g} > {tol:g}")
    povm_ok = float(np.abs(M.sum(1) - np.eye(r)).max())
    return Result(solver, "post-quantum", Verdict.QUANTUM, Rigor.CERTIFIED, value=0.0,
                  quantities={"realisation_deviation": dev, "povm_deviation": povm_ok, "negativity": 0.0},
                  certificate=cert,
                  message="one black-box party: every no-signalling assemblage is quantum (Schrodinger-HJW); "
                          f"purification of rho_B re-checked to {dev:.2g} (tolerance {tol:g})")


def family_arrays(family: Any, measurements: Any) -> tuple[np.ndarray, np.ndarray, int, str, str]:
    """(base, noise, n, description, measurement name) for a TargetFamily of assemblages or a
    VisibilityFamily of states with finite measurements."""
    if isinstance(family, VisibilityFamily):
        if measurements is None:
            raise UnsupportedTargetError("a state family needs measurements for the black-box parties")
        tgt = SteeringTarget(family.base, measurements)
        if not supported(tgt):
            raise UnsupportedTargetError("post-quantum thresholds need finite measurement sets")
        base = case_of(tgt)
        noise_state = State(family.noise_rho, family.base.dims, "noise")
        noise = case_of(SteeringTarget(noise_state, measurements))
        name = getattr(measurements, "name", None) or "|".join(m.name for m in measurements)
        return base.sigma, noise.sigma, base.n_parties, family.describe(), name
    if getattr(family, "kind", None) == "assemblage" and isinstance(family.base, Assemblage):
        return (np.asarray(family.base.sigma), np.asarray(family.noise.sigma), family.base.n_parties,
                family.describe(), "")
    raise UnsupportedTargetError("post-quantum thresholds need an assemblage family or a state family")
