"""`sdp-lhs`: local-hidden-state models for finitely many settings, by semidefinite programming.

Parties 0..n-1 are untrusted (each with its own finite measurement set), the last party (Bob) is
trusted. An assemblage sigma (rows r = (x..., a...), see `sdp_core`) has an LHS model iff
sigma_r = sum_lambda D[r, lambda] sigma_lambda with sigma_lambda >= 0 over the deterministic
strategies lambda (prod_k o_k^m_k of them: party k has m_k settings and o_k outcomes).

- `certify` solves the generalised steering robustness SDP (the "steering robustness" of Piani &
  Watrous, PRL 114, 060404 (2015): the noise may be any assemblage),
  R_g = min sum_lambda tr(s_lambda) - 1  s.t.  sum_lambda D[r, lambda] s_lambda >= sigma_r, s_lambda >= 0,
  whose dual is a steering inequality F_r >= 0 with LHS bound <= 1. "steerable" (certified) only
  when the inequality, re-checked in numpy with its exact LHS bound, is violated; "unsteerable"
  (solver tolerance) when the primal hidden states, projected onto the PSD cone, reproduce sigma
  within `tol` in trace norm. With `--quantities` it also reports the consistent robustness (the
  noise keeps sigma's Bob marginal; Cavalcanti & Skrzypczyk, Rep. Prog. Phys. 80, 024001 (2017))
  and the steering weight (Skrzypczyk, Navascues & Cavalcanti, PRL 112, 180404 (2014)).
- `critical_visibility` solves ONE SDP: max v s.t. v sigma(base) + (1 - v) sigma(noise) is LHS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import (Certificate, Certifier, Options, Result, Rigor, SteeringTarget, Target,
                                 Verdict, describe_target, option)
from quantcorr.errors import UnsupportedTargetError
from quantcorr.measurements import MeasurementSet
from quantcorr.threshold import ThresholdResult

from . import sdp_core as core
from .lhs_program import check_size, hidden_states, program, trace_vector

PRUNE_ABOVE = 4096  # certificates of larger programs keep only the strategies that carry weight

QUANTITY_NOTES = ("value = generalized_robustness: the steering robustness of Piani & Watrous (noise: any "
                  "assemblage); consistent_robustness: noise with the same Bob marginal; steering_weight: SNC 2014")


@dataclass
class SdpLhsOptions(Options):
    """Options of sdp-lhs (each field is a command-line flag, e.g. --sdp-solver scs)."""

    # not `solver`: `--solver` on the command line already names the certifier
    sdp_solver: Literal["auto", "clarabel", "scs", "mosek"] = option(
        "auto", "SDP solver; auto tries MOSEK (if installed and licensed), then Clarabel, then SCS",
        choices=("auto", "clarabel", "scs", "mosek"))
    tol: float = option(1e-6, "largest trace-norm residual of an LHS model accepted for 'unsteerable'",
                        gt=0, le=1e-2)
    solver_tol: float = option(1e-8, "feasibility/gap tolerance passed to the SDP solver", gt=0, le=1e-3)
    quantities: bool = option(True, "also solve the consistent-robustness and steering-weight SDPs")
    max_strategies: int = option(0, "largest number of deterministic strategies to attempt (0: the default "
                                 "for Bob's dimension, about 10 minutes here)", ge=0, le=1 << 22)


def _sets(measurements: Any, n: int) -> list[MeasurementSet]:
    """One MeasurementSet per steering party, or UnsupportedTargetError."""
    if isinstance(measurements, MeasurementSet):
        return [measurements] * n
    if isinstance(measurements, (tuple, list)) and measurements and \
            all(isinstance(m, MeasurementSet) for m in measurements):
        return list(measurements)
    name = getattr(measurements, "name", type(measurements).__name__)
    raise UnsupportedTargetError(f"solver 'sdp-lhs' needs finite measurement sets, not '{name}' "
                                 "(use polytope-lhs or gradient-lhs for continuous families)")


def _counts(sets: list[MeasurementSet]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return tuple(s.n_settings for s in sets), tuple(s.n_outcomes for s in sets)


def _strategies_out(strat: np.ndarray) -> np.ndarray:
    """(N, m) for one steering party, (N, n, max m) for several (-1 beyond a party's settings)."""
    return strat[:, 0, :] if strat.shape[1] == 1 else strat


def _model(hidden: np.ndarray, strat: np.ndarray, sigma: np.ndarray, n: int) -> dict[str, Any]:
    """LHS-model certificate data with its residual; beyond PRUNE_ABOVE strategies only those with
    trace above 1e-9 of the largest are kept (when that does not raise the residual past 2x+1e-9)."""
    residual = core.lhs_residual(hidden, sigma, n)
    keep = None
    if len(hidden) > PRUNE_ABOVE:
        tr = np.real(np.trace(hidden, axis1=-2, axis2=-1))
        cols = np.flatnonzero(tr > 1e-9 * tr.max(initial=0.0))
        pruned = core.lhs_residual(hidden[cols], sigma, n, cols)
        if pruned <= 2 * residual + 1e-9:
            keep, residual = cols, pruned
    data = {"strategies": _strategies_out(strat if keep is None else strat[keep]),
            "hidden_states": hidden if keep is None else hidden[keep], "residual": residual}
    if keep is not None:
        data["strategy_index"] = keep
    return data


class SdpLhs(Certifier):
    """LHS-model SDPs for finite measurement sets: verdict, robustnesses and weight, and the
    white-noise critical visibility as one SDP."""

    name = "sdp-lhs"
    questions = ("steering",)
    requires = ("cvxpy",)
    rigor = "certified"
    description = ("LHS SDP over deterministic strategies (finite settings): certified steering "
                   "inequality or LHS model, robustness, weight, one-SDP critical visibility")
    Options = SdpLhsOptions

    # ------------------------------------------------------------ targets
    def supports(self, target: Target) -> bool:
        """Steering targets with finite sets (one, or one per party) and assemblages of any number
        of parties. Size is not checked here: `certify` refuses too large a program with the reason."""
        if isinstance(target, SteeringTarget):
            try:
                _sets(target.measurements, target.state.n_parties - 1)
            except UnsupportedTargetError:
                return False
            return True
        return isinstance(target, Assemblage)

    @staticmethod
    def _assemblage(target: Target, options: SdpLhsOptions) -> Assemblage:
        """The target's assemblage, after the size check (done on the counts, before any work)."""
        if isinstance(target, SteeringTarget):
            n = target.state.n_parties - 1
            sets = _sets(target.measurements, n)
            check_size(n, *_counts(sets), target.state.dims[-1], options.max_strategies)
            return Assemblage.from_state(target.state, sets if len(sets) > 1 else sets[0])
        ms, os_, d = core.shape_counts(target.sigma, target.n_parties)
        check_size(target.n_parties, ms, os_, d, options.max_strategies)
        return target

    # ------------------------------------------------------------ certify
    def _certify(self, target: Target, options: SdpLhsOptions) -> Result:
        asm = self._assemblage(target, options)
        sigma, n = asm.sigma, asm.n_parties
        ms, os_, d = core.shape_counts(sigma, n)
        D, strat = core.strategy_matrix(n, ms, os_)
        N = D.shape[1]
        trace = trace_vector(N, d)
        sol = core.solve(program(D, d, "robustness", sigma), options.sdp_solver, options.solver_tol)
        base = dict(solver=self.name, question="steering", target=describe_target(target))
        if not sol.ok:
            verdict = Verdict.INCONCLUSIVE if sol.x is not None else Verdict.FAILED
            return Result(verdict=verdict, rigor=None, message=f"robustness SDP not solved: {sol.describe()}", **base)
        robustness = max(float(sol.x @ trace) - 1.0, 0.0)
        quantities: dict[str, float] = {"generalized_robustness": robustness}
        if options.quantities:
            csol = core.solve(program(D, d, "consistent", sigma, rho_b=asm.reduced_state()),
                              options.sdp_solver, options.solver_tol)
            quantities["consistent_robustness"] = max(float(csol.x @ trace) - 1.0, 0.0) if csol.ok else float("nan")
            wsol = core.solve(program(D, d, "weight", sigma), options.sdp_solver, options.solver_tol)
            quantities["steering_weight"] = (min(max(1.0 - float(wsol.x @ trace), 0.0), 1.0)
                                             if wsol.ok else float("nan"))
        F = sol.W[N:].reshape(sigma.shape)
        certified, bound, value = core.check_steering_inequality(F, sigma, n)
        solved_by = f"solved by {sol.solver} ({sol.describe()}); {QUANTITY_NOTES}"
        if certified:
            cert = Certificate("steering-inequality", {
                "F": F, "lhs_bound": bound, "value": value, "margin": core.violation_margin(F)},
                "sum tr(F sigma) > lhs_bound (exact max over deterministic strategies), re-checked in numpy")
            return Result(verdict=Verdict.STEERABLE, rigor=Rigor.CERTIFIED, value=robustness, quantities=quantities,
                          certificate=cert, message=f"violation {value - bound:.3g}; {solved_by}", **base)
        model = _model(hidden_states(sol, N, d), strat, sigma, n)
        residual = model["residual"]
        quantities["lhs_residual"] = residual
        if residual <= options.tol:
            cert = Certificate("lhs-model", model, "sigma_{a|x} = sum_lambda D(a|x, lambda) sigma_lambda; "
                               "residual = max trace norm after PSD projection")
            return Result(verdict=Verdict.UNSTEERABLE, rigor=Rigor.SOLVER_TOLERANCE, value=robustness,
                          quantities=quantities, certificate=cert, message=f"residual {residual:.3g}; {solved_by}",
                          **base)
        return Result(verdict=Verdict.INCONCLUSIVE, rigor=None, value=robustness, quantities=quantities,
                      message=f"inequality not violated beyond floating error (value - bound = {value - bound:.3g}) "
                              f"and LHS residual {residual:.3g} > tol {options.tol:g}; {solved_by}", **base)

    # ------------------------------------------------------------ critical visibility
    def _family(self, family: Any, measurements: Any,
                options: SdpLhsOptions) -> tuple[np.ndarray, np.ndarray, int, str]:
        """(sigma at v = 1, sigma at v = 0, number of steering parties, measurements label)."""
        kind = getattr(family, "kind", None)
        if kind == "assemblage":
            n = family.base.n_parties
            ms, os_, d = core.shape_counts(family.base.sigma, n)
            check_size(n, ms, os_, d, options.max_strategies)
            return family.base.sigma, family.noise.sigma, n, "assemblage"
        if kind is not None:
            raise UnsupportedTargetError(f"solver '{self.name}' answers steering questions about assemblages "
                                         f"or states, not a {kind} family")
        n = family.base.n_parties - 1
        sets = _sets(measurements, n)
        check_size(n, *_counts(sets), family.base.dims[-1], options.max_strategies)
        arg = sets if len(sets) > 1 else sets[0]
        s1 = Assemblage.from_state(family.base, arg).sigma
        s0 = Assemblage.from_state(family.at(0.0), arg).sigma
        return s1, s0, n, "|".join(dict.fromkeys(s.name for s in sets))

    def critical_visibility(self, family: Any, measurements: Any = None,
                            options: SdpLhsOptions | None = None) -> ThresholdResult:
        """White-noise critical visibility as one SDP: max v s.t. v sigma(base) + (1-v) sigma(noise)
        has an LHS model (v <= 1). `family` is a VisibilityFamily (with `measurements`: one
        MeasurementSet or one per steering party) or a TargetFamily of kind "assemblage".

        lower = v* (the LHS model at v* re-checked, rigor "solver-tolerance"; None if its residual
        exceeds `tol`), upper = the smallest v at which the dual steering inequality is violated,
        from the exact re-check (rigor "certified"; None when it is not violated for any v <= 1).
        The estimate is v* clipped into [lower, upper]. A family with an LHS model at v = 1 and no
        violated inequality has no threshold: lower = 1, estimate None. certificates
        ["steering_inequality"] holds "F" (assemblage shape), "lhs_bound" (exact), "value_noise",
        "value_base" (sum tr(F sigma) at v = 0 and 1; linear in v), "margin";
        certificates["lhs_model"] holds "v", "strategies", "hidden_states", "residual".
        """
        options = self.Options() if options is None else options
        start = time.perf_counter()
        s1, s0, n, label = self._family(family, measurements, options)
        ms, os_, d = core.shape_counts(s1, n)
        D, strat = core.strategy_matrix(n, ms, os_)
        N = D.shape[1]
        method = f"one SDP: max v with an LHS model over {N} deterministic strategies; dual steering inequality"
        out = ThresholdResult(self.name, family.describe(), label, None, None, None, method,
                              quantities={"n_strategies": N})
        ind = core.closed_form_rows(n, ms, os_)
        sol = core.solve(program(D, d, "critical", s1, s0, ind), options.sdp_solver, options.solver_tol)
        out.quantities["sdp_solver"] = sol.solver
        if not sol.ok:
            out.message = f"critical-visibility SDP not solved: {sol.describe()}"
            out.wall_time_s = time.perf_counter() - start
            return out
        v_star = float(sol.x[-1])
        v_model = min(max(v_star, 0.0), 1.0)
        model = _model(hidden_states(sol, N, d), strat, v_model * s1 + (1 - v_model) * s0, n)
        residual = model["residual"]
        F = np.zeros((len(D), d, d), complex)
        F[ind] = -core.from_coords(sol.y_eq.reshape(-1, d * d), d)
        upper, ineq = self._upper(F.reshape(s1.shape), s0, s1, n)
        lower = v_model if residual <= options.tol and v_star >= 0 else None
        notes = []
        if lower is not None and upper is not None and lower > upper:
            if lower - upper > options.tol:
                notes.append(f"LHS model at v*={lower:.9g} lies above the certified upper end; lower clipped")
            lower = upper  # the certified upper end wins over a solver-tolerance model
        estimate: float | None = v_model
        if upper is not None:
            estimate = min(estimate, upper)
        if lower is not None:
            estimate = max(estimate, lower)
        if v_star >= 1.0 - 10 * options.solver_tol and upper is None:
            at_one = core.lhs_residual(hidden_states(sol, N, d), s1, n)  # the same model, checked at v = 1
            if at_one <= options.tol:
                notes.append(f"no threshold up to v=1: the LHS model reproduces v=1 (residual {at_one:.3g}), "
                             "so the family is unsteerable for every v in [0, 1]")
                estimate, lower = None, 1.0
        if v_star < 0:
            notes.append("no LHS model at any v in [0, 1]")
        if lower is None and v_star >= 0:
            notes.append(f"LHS model residual {residual:.3g} exceeds tol {options.tol:g}")
        out.estimate, out.lower, out.upper = estimate, lower, upper
        out.lower_rigor = Rigor.SOLVER_TOLERANCE.value if lower is not None else None
        out.upper_rigor = Rigor.CERTIFIED.value if upper is not None else None
        out.certificates = {"steering_inequality": ineq, "lhs_model": {"v": v_model, **model}}
        out.quantities["lhs_residual"] = residual
        out.table = [{"v": v_model, "lhs_residual": residual}]
        out.message = "; ".join(notes)
        out.wall_time_s = time.perf_counter() - start
        return out

    @staticmethod
    def _upper(F: np.ndarray, s0: np.ndarray, s1: np.ndarray, n: int) -> tuple[float | None, dict[str, Any]]:
        """Smallest v in [0, 1] above which F is violated by v s1 + (1-v) s0 (exact re-check)."""
        bound = core.lhs_bound(F, n)
        i0, i1 = core.inequality_value(F, s0), core.inequality_value(F, s1)
        margin = core.violation_margin(F)
        upper = None
        if i1 - i0 > 0 and i1 > bound + margin:
            upper = max((bound + margin - i0) / (i1 - i0), 0.0)
        return upper, {"F": F, "lhs_bound": bound, "value_noise": i0, "value_base": i1, "margin": margin,
                       "violated_above_v": upper}
