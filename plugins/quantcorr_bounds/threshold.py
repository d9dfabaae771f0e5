"""Largest visibility simulable with T bits (T = `--bits`; T = 0 is the LHS threshold).

sigma(v) = v sigma_1 + (1 - v) sigma_0 is linear in v, so "max v with a T-bit model" is ONE SDP
(`tbit.max_visibility`); its model is re-checked (lower end, rigor "solver-tolerance"). The upper
end is certified: the LHS-robustness inequality F of sigma at a probe visibility, re-checked
exactly, bounds nu(v) >= (F.sigma(v) - g_max - 2 eps) / (g_max - g_min + 2 eps), linear in v, and
T bits are impossible once that bound exceeds 2^T - 1. For a continuous family the subset's
assemblage is used: only the certified upper end then holds for the family (more measurements
never need fewer bits), so lower and estimate stay empty.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from quantcorr.certifier import SteeringTarget
from quantcorr.errors import UnsupportedTargetError
from quantcorr.measurements import MeasurementSpace
from quantcorr.threshold import ThresholdResult, VisibilityFamily
from quantcorr_sdp import sdp_core as core

from . import continuous, inequality, robustness, tbit

if TYPE_CHECKING:
    from .certifier import CommCost, CommCostOptions


def _ends(family: Any, measurements: Any,
          options: "CommCostOptions") -> tuple[np.ndarray, np.ndarray, int, str, str | None]:
    """(sigma_1, sigma_0, parties, measurement name, subset name or None)."""
    if isinstance(family, VisibilityFamily):
        sub = None
        if isinstance(measurements, MeasurementSpace):
            meas = continuous.subset(measurements, options.subset)
            sub = meas.name
        else:
            meas = measurements
        a1 = SteeringTarget(family.at(1.0), meas).assemblage()
        a0 = SteeringTarget(family.at(0.0), meas).assemblage()
        return a1.sigma, a0.sigma, a1.n_parties, measurements.name, sub
    a1, a0 = family.at(1.0), family.at(0.0)
    if family.kind != "assemblage":
        raise UnsupportedTargetError("comm-cost needs an assemblage family, not a behaviour family")
    return a1.sigma, a0.sigma, a1.n_parties, "-", None


def upper_end(F_cert: dict, s1: np.ndarray, s0: np.ndarray, bits: int) -> tuple[float | None, dict]:
    """Smallest v in [0, 1] above which F certifies nu(v) > 2^bits - 1 (None if nowhere)."""
    F = F_cert["F"]
    g_min, g_max, eps = F_cert["lhs_min"], F_cert["lhs_max"], F_cert["margin"]
    i0, i1 = core.inequality_value(F, s0), core.inequality_value(F, s1)
    E = inequality.setting_identity(s1.shape, 1)
    j0, j1 = i0 - g_max * core.inequality_value(E, s0), i1 - g_max * core.inequality_value(E, s1)  # as in `check`
    need = 2 * eps + (2**bits - 1) * (g_max - g_min + 2 * eps)
    upper = None
    if j1 > need and j1 > j0:
        upper = max((need - j0) / (j1 - j0), 0.0)
    return upper, {"F": F, "lhs_min": g_min, "lhs_max": g_max, "margin": eps, "value_noise": i0,
                   "value_base": i1, "needs_more_than_bits_above_v": upper}


def critical_visibility(solver: "CommCost", family: Any, measurements: Any,
                        options: "CommCostOptions") -> ThresholdResult:
    start = time.perf_counter()
    T = options.bits
    s1, s0, n, meas_name, sub = _ends(family, measurements, options)
    if n != 1:
        raise UnsupportedTargetError("comm-cost: t-bit models are built for one steering party "
                                     "(use sdp-lhs for the LHS threshold of several parties)")
    m = s1.shape[0]
    out = ThresholdResult(solver.name, family.describe(), meas_name, None, None, None,
                          f"one SDP: max v with a {T}-bit model; certified upper end from the LHS-robustness "
                          f"inequality (nu > 2^{T} - 1)", quantities={"bits": T})
    notes = [f"subset '{sub}' of the family: the upper end holds for the family, the model only for the subset"] \
        if sub else []
    if T >= math.ceil(math.log2(m)) and sub is None:
        out.estimate = out.lower = 1.0
        out.lower_rigor = "certified"
        out.message = f"{T} bits >= log2({m}): Alice sends x, an exact model at every v"
        out.wall_time_s = time.perf_counter() - start
        return out
    model = tbit.max_visibility(s1, s0, T, options.sdp_solver, options.solver_tol, options.tol)
    out.quantities.update({"model_states": model.n_states, "model_residual": model.residual,
                           "trace_deviation": model.trace_deviation})
    v_star = model.v
    if model.ok and sub is None:
        out.estimate = out.lower = v_star
        out.lower_rigor = "solver-tolerance"
    elif not model.ok:
        notes.append(f"model not accepted: {model.status}; residual {model.residual:.3g}")
    probe = 1.0 if (T > 0 or v_star is None) else min(1.0, v_star + 0.01)
    rob = robustness.lhs_robustness(probe * s1 + (1 - probe) * s0, 1, options.sdp_solver, options.solver_tol)
    upper, ineq = (None, {}) if not rob.certificate.get("valid") else upper_end(rob.certificate, s1, s0, T)
    if upper is not None and out.lower is not None and out.lower > upper:
        notes.append(f"model at v={out.lower:.9g} above the certified upper end {upper:.9g}; lower clipped")
        out.lower = out.estimate = upper
    if sub and upper is not None:
        out.estimate = None
    out.upper = upper
    out.upper_rigor = "certified" if upper is not None else None
    if upper is None:
        notes.append(f"the robustness inequality at v={probe:g} does not exclude {T} bits in [0, 1]")
    out.quantities["n_strategies"] = rob.n_strategies
    out.table = [{"v": v_star, "bits": T, "model_residual": model.residual, "model_ok": model.ok}]
    out.certificates = {"model": model.certificate(), "steering_inequality": ineq}
    out.message = "; ".join(notes)
    out.wall_time_s = time.perf_counter() - start
    return out
