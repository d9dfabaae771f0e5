"""`sdp-lhs`: local-hidden-state models for finitely many settings, by semidefinite programming.

Party 0 (and any further steering party) is untrusted, the last party (Bob) is trusted. An
assemblage sigma (rows r = (x..., a...), see `sdp_core`) has an LHS model iff
sigma_r = sum_lambda D[r, lambda] sigma_lambda with sigma_lambda >= 0 over the deterministic
strategies lambda (o^m per steering party; several parties use product strategies).

- `certify` solves the steering-robustness SDP (Piani & Watrous 2015),
  SR = min sum_lambda tr(s_lambda) - 1  s.t.  sum_lambda D[r, lambda] s_lambda >= sigma_r, s_lambda >= 0,
  whose dual is a steering inequality F_r >= 0 with LHS bound <= 1. "steerable" (certified) only
  when the inequality, re-checked in numpy with its exact LHS bound, is violated; "unsteerable"
  (solver tolerance) when the primal hidden states, projected onto the PSD cone, reproduce sigma
  within `tol` in trace norm. The steering weight (Skrzypczyk, Navascues & Cavalcanti 2014) is a
  second SDP: SW = 1 - max sum tr(s_lambda) s.t. sigma_r - sum D s_lambda >= 0, s_lambda >= 0.
- `critical_visibility` solves ONE SDP: max v s.t. v sigma(base) + (1 - v) sigma(noise) is LHS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import (Certificate, Certifier, Options, Result, Rigor, SteeringTarget, Target,
                                 Verdict, describe_target)
from quantcorr.errors import UnsupportedTargetError
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.threshold import ThresholdResult, VisibilityFamily

from . import sdp_core as core

MAX_STRATEGIES = 1 << 14


@dataclass
class SdpLhsOptions(Options):
    """Options of sdp-lhs (each field is a command-line flag, e.g. --sdp-solver scs)."""

    # not `solver`: `--solver` on the command line already names the certifier
    sdp_solver: Literal["auto", "clarabel", "scs", "mosek"] = field(default="auto", metadata={
        "help": "SDP solver; auto tries MOSEK (if installed and licensed), then Clarabel, then SCS"})
    tol: float = field(default=1e-6, metadata={
        "help": "largest trace-norm residual of an LHS model accepted for 'unsteerable'"})
    solver_tol: float = field(default=1e-8, metadata={"help": "feasibility/gap tolerance passed to the solver"})
    quantities: bool = field(default=True, metadata={"help": "also solve the steering-weight SDP"})


def _rows(sigma: np.ndarray) -> np.ndarray:
    d = sigma.shape[-1]
    return sigma.reshape(-1, d, d)


def _program(D: np.ndarray, d: int, kind: str, sigma: np.ndarray,
             sigma_noise: np.ndarray | None = None) -> core.ConeProgram:
    """The conic programs over x = coordinates of the hidden states s_lambda (then v, for "critical").

    kind "robustness": min sum tr s  s.t. sum D s - sigma >= 0 row-wise, s >= 0.
    kind "weight":     min -sum tr s s.t. sigma - sum D s >= 0 row-wise, s >= 0.
    kind "critical":   min -v s.t. sum D s - v (sigma - sigma_noise) = sigma_noise on independent rows,
                       v <= 1, s >= 0 (`sigma` is the base assemblage there).
    """
    R, N = D.shape
    k = d * d
    trace = _program_trace(N, d)
    hidden = sp.identity(N * k, format="csr")
    s = core.to_coords(_rows(sigma)).ravel()
    if kind in ("robustness", "weight"):
        sign = 1.0 if kind == "robustness" else -1.0
        DI = sp.kron(sp.csr_matrix(D), sp.identity(k), format="csr")
        empty = sp.csr_matrix((0, N * k))
        return core.ConeProgram(sign * trace, empty, np.zeros(0), empty, np.zeros(0),
                                sp.vstack([hidden, sign * DI], format="csr"),
                                np.concatenate([np.zeros(N * k), -sign * s]), d)
    ind = core.independent_rows(D)
    s0 = core.to_coords(_rows(sigma_noise)).reshape(R, k)
    delta = s.reshape(R, k) - s0
    DI_ind = sp.kron(sp.csr_matrix(D[ind]), sp.identity(k), format="csr")
    A_eq = sp.hstack([DI_ind, sp.csr_matrix(-delta[ind].reshape(-1, 1))], format="csr")
    A_le = sp.csr_matrix(([1.0], ([0], [N * k])), shape=(1, N * k + 1))
    c = np.zeros(N * k + 1)
    c[-1] = -1.0
    return core.ConeProgram(c, A_eq, s0[ind].ravel(), A_le, np.ones(1),
                            sp.hstack([hidden, sp.csr_matrix((N * k, 1))], format="csr"), np.zeros(N * k), d)


def _hidden(sol: core.Solution, N: int, d: int) -> np.ndarray:
    return core.psd_part(core.from_coords(sol.x[: N * d * d].reshape(N, d * d), d))


def _strategies_out(strat: np.ndarray) -> np.ndarray:
    """(N, m) for one steering party, (N, n, m) for several."""
    return strat[:, 0, :] if strat.shape[1] == 1 else strat


class SdpLhs(Certifier):
    """LHS-model SDPs for finite measurement sets: verdict, steering robustness and weight,
    and the white-noise critical visibility as one SDP."""

    name = "sdp-lhs"
    questions = ("steering",)
    requires = ("cvxpy",)
    rigor = "certified"
    description = ("LHS SDP over deterministic strategies (finite settings): certified steering "
                   "inequality or LHS model, robustness, weight, one-SDP critical visibility")
    Options = SdpLhsOptions

    # ------------------------------------------------------------ targets
    def supports(self, target: Target) -> bool:
        if isinstance(target, SteeringTarget):
            ms = target.measurements
            return isinstance(ms, MeasurementSet) and \
                core.n_strategies(target.state.n_parties - 1, ms.n_settings, ms.n_outcomes) <= MAX_STRATEGIES
        if isinstance(target, Assemblage):
            try:
                m, o, _ = core.shape_info(target.sigma, target.n_parties)
            except ValueError:
                return False
            return core.n_strategies(target.n_parties, m, o) <= MAX_STRATEGIES
        return False

    @staticmethod
    def _assemblage(target: Target) -> Assemblage:
        return target.assemblage() if isinstance(target, SteeringTarget) else target

    # ------------------------------------------------------------ certify
    def _certify(self, target: Target, options: SdpLhsOptions) -> Result:
        asm = self._assemblage(target)
        sigma, n = asm.sigma, asm.n_parties
        m, o, d = core.shape_info(sigma, n)
        D, strat = core.strategy_matrix(n, m, o)
        N = D.shape[1]
        sol = core.solve(_program(D, d, "robustness", sigma), options.sdp_solver, options.solver_tol)
        base = dict(solver=self.name, question="steering", target=describe_target(target))
        if not sol.ok:
            verdict = Verdict.INCONCLUSIVE if sol.x is not None else Verdict.FAILED
            return Result(verdict=verdict, rigor=None, message=f"robustness SDP not solved: {sol.describe()}", **base)
        robustness = max(float(sol.x @ _program_trace(N, d)) - 1.0, 0.0)
        quantities: dict[str, float] = {"steering_robustness": robustness}
        if options.quantities:
            wsol = core.solve(_program(D, d, "weight", sigma), options.sdp_solver, options.solver_tol)
            quantities["steering_weight"] = (min(max(1.0 - float(wsol.x @ _program_trace(N, d)), 0.0), 1.0)
                                             if wsol.ok else float("nan"))
        F = sol.W[N:].reshape(sigma.shape)
        certified, bound, value = core.check_steering_inequality(F, sigma, n)
        solved_by = f"solved by {sol.solver} ({sol.describe()})"
        if certified:
            cert = Certificate("steering-inequality", {
                "F": F, "lhs_bound": bound, "value": value, "margin": core.violation_margin(F)},
                "sum tr(F sigma) > lhs_bound (exact max over deterministic strategies), re-checked in numpy")
            return Result(verdict=Verdict.STEERABLE, rigor=Rigor.CERTIFIED, value=robustness, quantities=quantities,
                          certificate=cert, message=f"{solved_by}; violation {value - bound:.3g}", **base)
        hidden = _hidden(sol, N, d)
        residual = core.lhs_residual(hidden, sigma, n)
        quantities["lhs_residual"] = residual
        if residual <= options.tol:
            cert = Certificate("lhs-model", {
                "strategies": _strategies_out(strat), "hidden_states": hidden, "residual": residual},
                "sigma_{a|x} = sum_lambda D(a|x, lambda) sigma_lambda; residual = max trace norm after PSD projection")
            return Result(verdict=Verdict.UNSTEERABLE, rigor=Rigor.SOLVER_TOLERANCE, value=robustness,
                          quantities=quantities, certificate=cert, message=f"{solved_by}; residual {residual:.3g}",
                          **base)
        return Result(verdict=Verdict.INCONCLUSIVE, rigor=None, value=robustness, quantities=quantities,
                      message=f"{solved_by}; inequality not violated beyond floating error "
                              f"(value - bound = {value - bound:.3g}) and LHS residual {residual:.3g} > tol {options.tol:g}",
                      **base)

    # ------------------------------------------------------------ critical visibility
    def critical_visibility(self, family: VisibilityFamily, measurements: MeasurementSet | MeasurementSpace,
                            options: SdpLhsOptions | None = None) -> ThresholdResult:
        """White-noise critical visibility as one SDP: max v s.t. v sigma(base) + (1-v) sigma(noise)
        has an LHS model (v <= 1).

        Returns estimate = lower = v* (the LHS model at v* re-checked, rigor "solver-tolerance";
        lower is None if its residual exceeds `tol`) and upper = the smallest v at which the dual
        steering inequality is violated, from the exact re-check (rigor "certified"; None when it
        is not violated for any v <= 1). certificates["steering_inequality"] holds "F" (assemblage
        shape, (m, o, dB, dB) for one steering party), "lhs_bound" (exact), "value_noise" and
        "value_base" (sum tr(F sigma) at v = 0 and v = 1; the value is linear in v), "margin";
        certificates["lhs_model"] holds "v", "strategies", "hidden_states", "residual".
        """
        options = self.Options() if options is None else options
        start = time.perf_counter()
        if not isinstance(measurements, MeasurementSet):
            raise UnsupportedTargetError(f"solver '{self.name}' needs a finite measurement set, "
                                         f"not the space '{measurements.name}'")
        n = family.base.n_parties - 1
        count = core.n_strategies(n, measurements.n_settings, measurements.n_outcomes)
        if count > MAX_STRATEGIES:
            raise UnsupportedTargetError(f"solver '{self.name}': {count} deterministic strategies exceed "
                                         f"the limit {MAX_STRATEGIES}")
        s1 = SteeringTarget(family.base, measurements).assemblage().sigma
        s0 = SteeringTarget(family.at(0.0), measurements).assemblage().sigma
        m, o, d = core.shape_info(s1, n)
        D, strat = core.strategy_matrix(n, m, o)
        N = D.shape[1]
        method = f"one SDP: max v with an LHS model over {N} deterministic strategies; dual steering inequality"
        out = ThresholdResult(self.name, family.describe(), measurements.name, None, None, None, method,
                              quantities={"n_strategies": N})
        sol = core.solve(_program(D, d, "critical", s1, s0), options.sdp_solver, options.solver_tol)
        out.quantities["sdp_solver"] = sol.solver
        if not sol.ok:
            out.message = f"critical-visibility SDP not solved: {sol.describe()}"
            out.wall_time_s = time.perf_counter() - start
            return out
        v_star = float(sol.x[-1])
        v_model = min(max(v_star, 0.0), 1.0)
        hidden = _hidden(sol, N, d)
        residual = core.lhs_residual(hidden, v_model * s1 + (1 - v_model) * s0, n)
        F = np.zeros((len(D), d, d), complex)
        F[core.independent_rows(D)] = -core.from_coords(sol.y_eq.reshape(-1, d * d), d)
        F = F.reshape(s1.shape)
        upper, ineq = self._upper(F, s0, s1, n)
        lower = v_model if residual <= options.tol and v_star >= 0 else None
        notes = []
        if lower is not None and upper is not None and lower > upper:
            if lower - upper > options.tol:
                notes.append(f"LHS model at v*={lower:.9g} lies above the certified upper end; lower clipped")
            lower = upper  # the certified upper end wins over a solver-tolerance model
        if v_star >= 1.0 - 10 * options.solver_tol:
            notes.append("an LHS model exists at v=1: no steering detected in [0, 1]")
        if v_star < 0:
            notes.append("no LHS model at any v in [0, 1]")
        if lower is None and v_star >= 0:
            notes.append(f"LHS model residual {residual:.3g} exceeds tol {options.tol:g}")
        out.estimate, out.lower, out.upper = v_model, lower, upper
        out.lower_rigor = Rigor.SOLVER_TOLERANCE.value if lower is not None else None
        out.upper_rigor = Rigor.CERTIFIED.value if upper is not None else None
        out.certificates = {"steering_inequality": ineq, "lhs_model": {
            "v": v_model, "strategies": _strategies_out(strat), "hidden_states": hidden, "residual": residual}}
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


def _program_trace(N: int, d: int) -> np.ndarray:
    """Coefficients of sum_lambda tr(s_lambda) on the hidden-state coordinates."""
    return np.tile(core.to_coords(np.eye(d)), N)
