"""`steering-negativity`: min tr(rho_-) over pseudo-states rho~ = rho_+ - rho_- (rho_+- >= 0)
that reproduce the assemblage under fixed local measurements (Sainz, Aolita, Piani, Hoban,
Skrzypczyk, NJP 20, 083040 (2018)); question "post-quantum".

Measurements: the physical ones when the target is a state with finite measurements or an
assemblage this plugin's targets built from local measurements (their `measurements` provenance),
else (or when those cannot reproduce it) the canonical classical registers
(`pseudo.register_measurements`). Because the measurements are
fixed, the value is an UPPER BOUND on the steering negativity. A value <= zero_tol gives
"quantum" (solver-tolerance) with rho_+ (projected PSD, unit trace) and the measurements as the
certificate, re-checked by recomputing the assemblage; a positive value alone claims nothing
("inconclusive"). One black-box party: the purification realisation (negativity 0, certified).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import (Certificate, Certifier, Options, Result, Rigor, SteeringTarget, Target, Verdict,
                                 option)
from quantcorr.errors import OptionError, ProblemTooLargeError
from quantcorr.threshold import ThresholdResult

from .common import (Case, case_of, family_arrays, measurement_sets, negative_element, realisation_result,
                     supported)
from .moments import Scenario, scenario_of
from .pseudo import assemblage_of, register_response


@dataclass
class NegativityOptions(Options):
    """Options of steering-negativity."""

    sdp_solver: Literal["auto", "clarabel", "scs"] = option("auto", "SDP solver; auto tries Clarabel, then SCS")
    solver_tol: float = option(1e-8, "feasibility/gap tolerance passed to the solver", gt=0, le=1e-3)
    zero_tol: float = option(1e-6, "negativity <= zero-tol counts as zero", gt=0, le=1e-2)
    recheck_tol: float = option(1e-6, "largest |entry| deviation of the re-checked realisation", gt=0, le=1e-2)
    construction: Literal["auto", "physical", "canonical"] = option(
        "auto", "fixed measurements: the physical ones (auto, when known) or canonical classical registers")
    max_size: int = option(4096, "largest number of pseudo-state entries per PSD block x blocks to build", ge=4,
                           le=1 << 20)


def _layout(case: Case, construction: str, limit: int) -> str:
    scen = scenario_of(case.sigma, case.n_parties)
    physical = case.measurements is not None and construction != "canonical"
    if construction == "physical" and case.measurements is None:
        raise OptionError("--construction physical needs a state with measurements as the target")
    if physical:
        D = int(np.prod([m.shape[-1] for m in case.measurements])) * scen.dim
        size, what = D * D, f"pseudo-state of dimension {D}"
    else:
        n_reg = int(np.prod([m * o + 1 for m, o in zip(scen.settings, scen.outcomes)]))
        size, what = n_reg * scen.dim ** 2, f"{n_reg} register blocks of dimension {scen.dim}"
    if size > limit:
        raise ProblemTooLargeError(f"steering-negativity SDP with a {what} ({size} entries): above the limit of "
                                   f"{limit}; use fewer settings/outcomes or raise --max-size")
    return "physical" if physical else "canonical"


def _compiled(scen: Scenario, case: Case, layout: str, kind: str):
    from . import neg_sdp

    if layout == "physical":
        K = neg_sdp.physical_map(scen, case.measurements)
        D = K.shape[1]
        return neg_sdp.compiled_physical(scen, np.ascontiguousarray(K).tobytes(), int(round(np.sqrt(D))), kind)
    return neg_sdp.compiled_canonical(scen, kind)


def realised(case: Case, layout: str, P: list[np.ndarray]) -> tuple[np.ndarray, tuple, np.ndarray]:
    """(rho_+ projected PSD with unit trace, measurements, recomputed assemblage)."""
    def psd(a):
        w, u = np.linalg.eigh(0.5 * (a + a.conj().T))
        return (u * np.clip(w, 0, None)) @ u.conj().T

    scen = scenario_of(case.sigma, case.n_parties)
    if layout == "physical":
        rho = psd(P[0])
        rho = rho / np.trace(rho).real
        dims = tuple(m.shape[-1] for m in case.measurements) + (scen.dim,)
        return rho, case.measurements, assemblage_of(rho, dims, case.measurements)
    blocks = np.array([psd(p) for p in P])
    blocks = blocks / np.trace(blocks, axis1=1, axis2=2).real.sum()
    f = register_response(scen.settings, scen.outcomes)
    return blocks, ("registers",), np.einsum("i...,ikl->...kl", f, blocks)


class SteeringNegativity(Certifier):
    name = "steering-negativity"
    accepts_non_psd = True  # pseudo-assemblages (Gleason, witnesses) are what it studies
    questions = ("post-quantum",)
    requires = ("cvxpy",)
    rigor = "certified"
    description = "upper bound on the steering negativity (fixed measurements); 0 gives a quantum realisation"
    Options = NegativityOptions

    @classmethod
    def quick_options(cls) -> NegativityOptions:
        """Looser solver tolerance for CI and `bench --quick` (every answer is still re-checked)."""
        return cls.Options(solver_tol=1e-6)

    def supports(self, target: Target) -> bool:
        return supported(target)

    def _certify(self, target: Target, options: NegativityOptions) -> Result:
        case = case_of(target)
        neg = negative_element(self.name, case, options.zero_tol)
        if neg is not None:
            return neg
        if case.n_parties == 1 and (case.measurements is None or options.construction == "canonical"):
            return realisation_result(self.name, case)
        scen = scenario_of(case.sigma, case.n_parties)
        layout = _layout(case, options.construction, options.max_size)
        out = self._solve_min(scen, case, layout, options)
        if out.status == "infeasible" and layout == "physical" and options.construction == "auto":
            # the known measurements cannot reproduce the assemblage with a Hermitian rho~ of
            # unit trace (e.g. noise they cannot produce): fall back to the classical registers
            layout = _layout(case, "canonical", options.max_size)
            out = self._solve_min(scen, case, layout, options)
        tried = "; ".join(out.attempts)
        if out.value is None:
            return Result(self.name, "post-quantum", Verdict.FAILED, None, message=f"SDP did not solve ({tried})")
        value = max(out.value, 0.0)
        meas = "known local measurements" if layout == "physical" else "canonical classical-register measurements"
        q = {"negativity_upper_bound": value, "fixed_measurements": layout, "upper_bound_only": True}
        if value > options.zero_tol:
            return Result(self.name, "post-quantum", Verdict.INCONCLUSIVE, None, value=value, quantities=q,
                          message=f"steering negativity <= {value:.6g} with the {meas} (an upper bound: other "
                                  f"measurements may give less; a positive value does not show post-quantumness; "
                                  f"{tried})")
        rho, ms, back = realised(case, layout, out.P)
        dev = float(np.abs(back - case.sigma).max())
        cert = Certificate("quantum-realisation", {"rho": rho, "measurements": list(ms), "layout": layout,
                                                   "deviation": dev},
                           "PSD pseudo-state (state) and the fixed measurements; for 'canonical' rho holds the "
                           "register blocks P_i and the measurements are pseudo.register_measurements")
        if dev > options.recheck_tol:
            return Result(self.name, "post-quantum", Verdict.INCONCLUSIVE, None, value=value,
                          quantities={**q, "realisation_deviation": dev}, certificate=cert,
                          message=f"negativity ~0 but the realisation re-checks only to {dev:.3g} > "
                                  f"{options.recheck_tol:g} ({tried})")
        return Result(self.name, "post-quantum", Verdict.QUANTUM, Rigor.SOLVER_TOLERANCE, value=value,
                      quantities={**q, "realisation_deviation": dev}, certificate=cert,
                      message=f"steering negativity 0 (<= {options.zero_tol:g}) with the {meas}; the PSD "
                              f"realisation reproduces the assemblage to {dev:.2g} ({tried})")

    @staticmethod
    def _solve_min(scen: Scenario, case: Case, layout: str, options: NegativityOptions):
        from . import neg_sdp

        comp = _compiled(scen, case, layout, "min")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return neg_sdp.solve(comp, {"p": neg_sdp.data_target(scen.marginals(case.sigma))}, options.sdp_solver,
                                 options.solver_tol)

    def critical_visibility(self, family: Any, measurements: Any = None,
                            options: NegativityOptions | None = None) -> ThresholdResult:
        """ONE SDP: the largest v at which noise + v (base - noise) has a PSD realisation with the
        fixed measurements (negativity 0). Only a lower end: above it the negativity bound is
        positive, which proves nothing."""
        from . import neg_sdp

        options = self.Options() if options is None else options
        start = time.perf_counter()
        base, noise, n, label, ms_name = family_arrays(family, measurements)
        if isinstance(family.base, Assemblage):
            known = family.base.measurements  # provenance, when known
        else:
            known = tuple(s.elements for s in measurement_sets(SteeringTarget(family.base, measurements)))
        case = Case(base, n, known)
        method = "one SDP: max v with a PSD pseudo-state reproducing v*base + (1-v)*noise (fixed measurements)"
        if n == 1:
            return ThresholdResult(self.name, label, ms_name, None, 1.0, None, "n = 1: every assemblage is quantum",
                                   "certified", wall_time_s=time.perf_counter() - start)
        scen = scenario_of(base, n)
        values = {"base": neg_sdp.data_target(scen.marginals(base)),
                  "noise": neg_sdp.data_target(scen.marginals(noise))}
        layout = _layout(case, options.construction, options.max_size)
        for _ in range(2):  # the known measurements, then (if they cannot) the classical registers
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = neg_sdp.solve(_compiled(scen, case, layout, "visibility"), values, options.sdp_solver,
                                    options.solver_tol)
            if out.status != "infeasible" or layout != "physical" or options.construction != "auto":
                break
            layout = _layout(case, "canonical", options.max_size)
        tried = "; ".join(out.attempts)
        if out.value is None:
            return ThresholdResult(self.name, label, ms_name, None, None, None, method,
                                   wall_time_s=time.perf_counter() - start, message=f"SDP did not solve ({tried})")
        v = min(max(out.value, 0.0), 1.0)
        at_v = noise + v * (base - noise)
        dev = float(np.abs(realised(Case(at_v, n, known), layout, out.P)[2] - at_v).max())
        ok = dev <= options.recheck_tol
        return ThresholdResult(self.name, label, ms_name, v, v if ok else None, None, method,
                               "solver-tolerance" if ok else None, None,
                               table=[{"v": v, "verdict": "quantum" if ok else "inconclusive",
                                       "rigor": "solver-tolerance" if ok else None, "value": 0.0}],
                               quantities={"zero_negativity_visibility": v, "fixed_measurements": layout,
                                           "realisation_deviation": dev},
                               wall_time_s=time.perf_counter() - start,
                               message=f"negativity 0 (a PSD realisation with the {layout} measurements, re-checked "
                                       f"to {dev:.2g}) up to v = {v:.6g}; above it the negativity bound is positive, "
                                       f"which does not show post-quantum steering ({tried})" if ok else
                                       f"the realisation at v = {v:.6g} re-checks only to {dev:.3g} ({tried})")
