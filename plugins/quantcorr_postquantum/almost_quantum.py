"""`almost-quantum`: the almost-quantum test of multipartite steering (an outer approximation of
the quantum set), question "post-quantum".

n >= 2 black-box parties steer Bob (the last subsystem). The block moment matrix of `moments`
(words: identity, each party's projectors, products across parties; blocks dB x dB) must be
PSD with its data blocks fixed to the assemblage (Sainz, Brunner, Cavalcanti, Skrzypczyk,
Vertesi, PRL 115, 190403 (2015)).

- Feasible (max t with Gamma - t I >= 0 is >= -feas_tol): "inconclusive", with quantities
  almost_quantum = True when the solver's moment matrix re-checks PSD (to feas_tol) in numpy
  (almost-quantum does not imply quantum).
- Infeasible: "post-quantum" with the dual steering functional; "certified" only when its value
  on the assemblage, recomputed in numpy, exceeds the rigorous almost-quantum bound of
  `moments.check_functional`; else "solver-tolerance" after an accurate solve, "inconclusive"
  after an inaccurate one.
- An element with a negative eigenvalue: "post-quantum" (certified); n = 1: "quantum"
  (certified) with the purification realisation, re-checked.
- `critical_visibility`: ONE SDP max v s.t. v*base + (1-v)*noise is almost-quantum. Upper end:
  the dual functional, re-checked, certifies post-quantum steering above it. Lower end: the
  solver's moment matrix, mixed with the classical moment matrix of a product noise until it is
  PSD in numpy, so the family is almost-quantum up to it.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from quantcorr.certifier import Certificate, Certifier, Options, Result, Rigor, Target, Verdict, option
from quantcorr.errors import ProblemTooLargeError
from quantcorr.threshold import ThresholdResult

from .common import Case, case_of, family_arrays, negative_element, realisation_result, supported
from .moments import Scenario, check_functional, project_dual, scenario_of


@dataclass
class AlmostQuantumOptions(Options):
    """Options of almost-quantum."""

    sdp_solver: Literal["auto", "clarabel", "scs"] = option("auto", "SDP solver; auto tries SCS, then Clarabel")
    solver_tol: float = option(1e-8, "feasibility/gap tolerance passed to the solver", gt=0, le=1e-3)
    feas_tol: float = option(1e-7, "t >= -feas-tol (least eigenvalue of the moment matrix) counts as almost-quantum",
                             gt=0, le=1e-2)
    max_side: int = option(256, "largest moment-matrix side (words x dB) to build", ge=2, le=2048)
    refine_steps: int = option(6, "threshold: membership SDPs bisecting a bracket wider than 1e-6 (both ends "
                                  "re-checked)", ge=0, le=50)


def describe_word(word: tuple) -> str:
    parts = []
    for k, w in enumerate(word):
        if w is None:
            continue
        pieces = [w] if not isinstance(w[0], tuple) else list(w)
        parts.append("".join(f"P{k}({a}|{x})" for x, a in pieces))
    return "*".join(parts) or "1"


def check_size(scen: Scenario, limit: int) -> None:
    if scen.side > limit:
        raise ProblemTooLargeError(
            f"almost-quantum moment matrix of side {scen.side} ({scen.n_words} words x dB={scen.dim}): above the "
            f"limit of {limit}; use fewer settings or outcomes (or raise --max-side)")


def verify_certificate(data: dict, sigma: np.ndarray, n_parties: int) -> tuple[bool, Any]:
    """Re-check a "steering-functional" certificate on an assemblage array: recompute the value
    and the rigorous bound from the stored dual matrix Z; valid iff value > bound and the stored
    claims (value, bound) agree with the recomputation."""
    scen = scenario_of(np.asarray(sigma), n_parties)
    chk = check_functional(np.asarray(data["Z"]), scen, sigma)
    claims = abs(chk.value - float(data["value"])) <= 1e-9 * max(1.0, abs(chk.value)) and \
        float(data["bound"]) >= chk.bound - 1e-15
    return chk.violated and claims, chk


class AlmostQuantum(Certifier):
    name = "almost-quantum"
    accepts_non_psd = True  # pseudo-assemblages (Gleason, witnesses) are what it studies
    questions = ("post-quantum",)
    requires = ("cvxpy",)
    rigor = "certified"
    description = "almost-quantum moment-matrix SDP; dual functional certifies post-quantum steering"
    Options = AlmostQuantumOptions

    @classmethod
    def quick_options(cls) -> AlmostQuantumOptions:
        """Looser solver tolerance for CI and `bench --quick` (every answer is still re-checked)."""
        return cls.Options(solver_tol=1e-6, refine_steps=0)

    def supports(self, target: Target) -> bool:
        return supported(target)

    def _certify(self, target: Target, options: AlmostQuantumOptions) -> Result:
        case = case_of(target)
        neg = negative_element(self.name, case, options.feas_tol)
        if neg is not None:
            return neg
        if case.n_parties == 1:
            return realisation_result(self.name, case)
        scen = scenario_of(case.sigma, case.n_parties)
        check_size(scen, options.max_side)
        return self._membership(case, scen, options)

    def _membership(self, case: Case, scen: Scenario, options: AlmostQuantumOptions) -> Result:
        from . import aq_sdp

        comp = aq_sdp.compiled(scen, "membership")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = aq_sdp.solve(comp, {"p": aq_sdp.data_vector(scen.marginals(case.sigma))}, options.sdp_solver,
                               options.solver_tol, scen.side)
        tried = "; ".join(out.attempts)
        if out.status in ("failed", "infeasible") or out.value is None:
            return Result(self.name, "post-quantum", Verdict.FAILED, None, message=f"SDP did not solve ({tried})")
        q = {"least_eigenvalue_t": out.value, "moment_matrix_side": scen.side}
        if out.value >= -options.feas_tol:
            lam = aq_sdp.least_eigenvalue(scen, out.x, scen.marginals(case.sigma))  # re-check in numpy
            ok = lam >= -options.feas_tol
            return Result(self.name, "post-quantum", Verdict.INCONCLUSIVE, None, value=out.value,
                          quantities={**q, "almost_quantum": ok, "moment_matrix_min_eigenvalue": lam},
                          message=(f"almost-quantum: the moment matrix re-checks PSD up to {lam:.2g} ({tried}); an "
                                   "outer approximation, so this does not show the assemblage is quantum") if ok else
                          f"solver reports almost-quantum but its moment matrix has eigenvalue {lam:.3g} ({tried})")
        Z = project_dual(out.Z, scen)
        chk = check_functional(Z, scen, case.sigma)
        q = {**q, "almost_quantum": False, "functional_value": chk.value, "almost_quantum_bound": chk.bound,
             "dual_lambda_min": chk.lambda_min}
        cert = self._certificate(Z, scen, chk)
        if chk.violated:
            return Result(self.name, "post-quantum", Verdict.POST_QUANTUM, Rigor.CERTIFIED, value=chk.value,
                          quantities=q, certificate=cert,
                          message=f"functional value {chk.value:.6g} > rigorous almost-quantum bound {chk.bound:.3g} "
                                  f"(recomputed; {tried})")
        if out.status != "optimal":
            return Result(self.name, "post-quantum", Verdict.INCONCLUSIVE, None, value=chk.value, quantities=q,
                          certificate=cert, message=f"inaccurate solve and the functional does not re-check ({tried})")
        return Result(self.name, "post-quantum", Verdict.POST_QUANTUM, Rigor.SOLVER_TOLERANCE, value=chk.value,
                      quantities=q, certificate=cert,
                      message=f"infeasible to solver tolerance (t = {out.value:.3g}); the functional value "
                              f"{chk.value:.6g} does not exceed its rigorous bound {chk.bound:.3g} ({tried})")

    @staticmethod
    def _certificate(Z: np.ndarray, scen: Scenario, chk) -> Certificate:
        from .moments import functional

        return Certificate("steering-functional", {
            "Z": Z, "G": functional(Z, scen), "words": [describe_word(w) for w in scen.data_words],
            "value": chk.value, "bound": chk.bound, "trace_bound": scen.trace_bound,
            "lambda_min": chk.lambda_min, "residual": chk.residual},
            "S(sigma) = sum_c tr(G_c sigma_c) over the marginal elements sigma_c named by `words` (Pk(a|x) = "
            "party k's outcome a for setting x); every almost-quantum assemblage has S <= bound = trace_bound * "
            "(max(-lambda_min(Z), 0) + residual), Z the dual moment matrix")

    # ------------------------------------------------------------------ thresholds

    def critical_visibility(self, family: Any, measurements: Any = None,
                            options: AlmostQuantumOptions | None = None) -> ThresholdResult:
        from . import aq_sdp

        options = self.Options() if options is None else options
        start = time.perf_counter()
        base, noise, n, label, ms_name = family_arrays(family, measurements)

        def result(**kw) -> ThresholdResult:
            return ThresholdResult(self.name, label, ms_name, wall_time_s=time.perf_counter() - start, **kw)

        if n == 1:
            return result(estimate=None, lower=1.0, upper=None, method="n = 1: every assemblage is quantum",
                          lower_rigor="certified",
                          message="one black-box party: every no-signalling assemblage is quantum (Schrodinger-HJW)")
        scen = scenario_of(base, n)
        check_size(scen, options.max_side)
        comp = aq_sdp.compiled(scen, "visibility")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = aq_sdp.solve(comp, {"base": aq_sdp.data_vector(scen.marginals(base)),
                                      "noise": aq_sdp.data_vector(scen.marginals(noise))},
                               options.sdp_solver, options.solver_tol, scen.side)
        method = "one SDP: max v with v*base + (1-v)*noise almost-quantum; dual functional re-checked above"
        tried = "; ".join(out.attempts)
        if out.value is None:
            return result(estimate=None, lower=None, upper=None, method=method,
                          message=f"SDP did not solve ({tried})")
        v_star = min(max(out.value, 0.0), 1.0)
        lower, checked = _rechecked_lower(scen, out.x, v_star, base, noise)
        table = [{"v": lower, "verdict": "inconclusive", "rigor": None, "value": None}]
        note = ("below the lower end the mixture is almost-quantum (an outer approximation of the quantum set; "
                + ("its moment matrix re-checked PSD in numpy" if checked else "to solver tolerance")
                + "); above the upper end it is post-quantum (certified by the re-checked functional)")
        q = {"almost_quantum_visibility": v_star, "lower_rechecked": checked}
        if v_star >= 1.0 - max(options.feas_tol, 10 * options.solver_tol):  # no threshold below 1
            return result(estimate=None, lower=lower, upper=None, method=method, lower_rigor="solver-tolerance",
                          table=table, quantities=q,
                          message=f"almost-quantum up to v = {lower:.9g}: no post-quantum threshold in [0, 1] "
                                  f"({tried})")
        Z = project_dual(out.Z, scen)
        upper, chk = _certified_upper(Z, scen, base, noise)
        certs = {}
        if upper is not None:
            table.append({"v": upper, "verdict": "post-quantum", "rigor": "certified", "value": chk.value})
            certs["functional"] = self._certificate(Z, scen, chk).to_json()
            lower = min(lower, upper)
        if upper is not None and options.refine_steps and upper - lower > 1e-6:
            before = len(table)
            lower, upper, found = self._refine(scen, base, noise, lower, upper, table, options)
            if found is not None:
                certs["functional"] = found.to_json()
            method += f"; {len(table) - before} membership SDP(s) then narrowed the bracket"
        estimate = min(max(v_star, lower), upper if upper is not None else 1.0)
        return result(estimate=estimate, lower=lower, upper=upper, method=method, lower_rigor="solver-tolerance",
                      upper_rigor="certified" if upper is not None else None, table=table, certificates=certs,
                      quantities=q, message=note + f" ({tried})" + ("" if upper is not None else "; the functional "
                                                                    "did not re-check, so no certified upper end"))


    def _refine(self, scen: Scenario, base: np.ndarray, noise: np.ndarray, lower: float, upper: float,
                table: list, options: AlmostQuantumOptions) -> tuple[float, float, Certificate | None]:
        """Bisect [lower, upper] with the (compiled once) membership SDP: a feasible point moves
        the lower end (its moment matrix re-checked, `_rechecked_lower`), an infeasible one the
        upper end (its dual functional re-checked, `_certified_upper`). Stops at the first point
        that re-checks neither way."""
        from . import aq_sdp

        comp = aq_sdp.compiled(scen, "membership")
        mb, mn = scen.marginals(base), scen.marginals(noise)
        found = None
        for _ in range(options.refine_steps):
            if upper - lower <= 1e-6:
                break
            v = 0.5 * (lower + upper)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = aq_sdp.solve(comp, {"p": aq_sdp.data_vector(mn + v * (mb - mn))}, options.sdp_solver,
                                   options.solver_tol, scen.side)
            if out.value is None:
                break
            if out.value >= -options.feas_tol:
                v_low, ok = _rechecked_lower(scen, out.x, v, base, noise)
                if not ok or v_low <= lower:
                    break
                lower = v_low
                table.append({"v": v_low, "verdict": "inconclusive", "rigor": None, "value": None})
                continue
            Z = project_dual(out.Z, scen)
            v_up, chk = _certified_upper(Z, scen, base, noise)
            if v_up is None or v_up >= upper:
                break
            upper, found = v_up, self._certificate(Z, scen, chk)
            table.append({"v": v_up, "verdict": "post-quantum", "rigor": "certified", "value": chk.value})
        return min(lower, upper), upper, found


def _rechecked_lower(scen: Scenario, x: np.ndarray | None, v: float, base: np.ndarray,
                     noise: np.ndarray) -> tuple[float, bool]:
    """(v_low, re-checked): the solver's moment matrix at v, mixed with the classical moment
    matrix of a product noise just enough to make it PSD (then it is a moment matrix of the
    family at v_low = (1 - mu) v, re-checked in numpy); (v, False) when that is not possible."""
    from . import aq_sdp

    if x is None:
        return v, False
    mb, mn = scen.marginals(base), scen.marginals(noise)
    lam = aq_sdp.least_eigenvalue(scen, x, mn + v * (mb - mn))
    if lam >= 0:
        return v, True
    x_n = aq_sdp.product_noise_blocks(scen, mn)
    lam_n = None if x_n is None else aq_sdp.least_eigenvalue(scen, x_n, mn)
    if lam_n is None or lam_n <= 0:
        return v, False
    mu = min(1.0, (-lam + 1e-9 * lam_n) / (lam_n - lam))
    v_low = (1 - mu) * v
    ok = aq_sdp.least_eigenvalue(scen, (1 - mu) * x + mu * x_n, mn + v_low * (mb - mn)) >= 0
    return (v_low, True) if ok else (v, False)


def _certified_upper(Z: np.ndarray, scen: Scenario, base: np.ndarray, noise: np.ndarray):
    """Smallest v (<= 1) at which the functional of Z, affine in v, provably exceeds its bound;
    re-checked at that v by `check_functional`. (None, None) if there is none."""
    s_base = check_functional(Z, scen, base)
    s_noise = check_functional(Z, scen, noise)
    slope = s_base.value - s_noise.value
    if slope <= 0:
        return None, None
    v = (s_base.bound - s_noise.value) / slope
    v = max(v, 0.0) * (1 + 1e-9) + 1e-12
    for _ in range(30):
        if v > 1.0:
            return None, None
        chk = check_functional(Z, scen, v * base + (1 - v) * noise)
        if chk.violated:
            return float(v), chk
        v += max(1e-10, 1e-6 * v)
    return None, None
