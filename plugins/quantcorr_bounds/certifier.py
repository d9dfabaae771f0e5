"""`comm-cost`: bits of one-way communication (Alice -> Bob) needed to fake a steering experiment.

Party 0 (and any further steering party) is untrusted, the last party (Bob) trusted.
- Lower bound (rigor "certified"): t >= log2(1 + nu), nu the LHS robustness (Sainz et al., PRA
  94, 012308 (2016)); nu from an SDP whose dual inequality is re-checked exactly over every
  deterministic strategy (`inequality`), so bits_lower never trusts the solver.
- Upper bound: the least t with an explicit t-bit model (`tbit`), re-checked (rigor
  "solver-tolerance"), or ceil(log2 m) bits with the exact "Alice sends x" model ("certified").
  t-bit models are for one steering party; with several, only the lower bound is given.
- bits_exact = bits_upper when the two meet: bits_upper = 0 with an LHS model, or bits_lower >
  bits_upper - 1 (fewer whole bits are excluded by the lower bound); else None.
- Continuous families: certified lower bounds from a finite `--subset` (`continuous`), and the
  analytic infinite-communication cases.
Verdict: "steerable" (certified) when the certified nu > 0 (or an analytic case), "unsteerable"
(solver-tolerance) when an LHS model of a finite target is re-checked, else "inconclusive".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import Certificate, Certifier, Result, Rigor, SteeringTarget, Target, Verdict, option
from quantcorr.errors import ProblemTooLargeError
from quantcorr.measurements import MeasurementSpace
from quantcorr.options import Options

from . import continuous, robustness, tbit

CERTIFIED, SOLVER = Rigor.CERTIFIED.value, Rigor.SOLVER_TOLERANCE.value


@dataclass
class CommCostOptions(Options):
    """Options of comm-cost (each field is a command-line flag)."""

    sdp_solver: Literal["auto", "clarabel", "scs", "mosek"] = option(
        "auto", "SDP solver; auto tries MOSEK (if installed and licensed), then Clarabel, then SCS")
    tol: float = option(1e-6, "largest residual / block-weight spread of a model accepted as a simulation",
                        gt=0, le=1e-2)
    solver_tol: float = option(1e-8, "feasibility/gap tolerance passed to the SDP solver", gt=0, le=1e-3)
    bits: int = option(0, "threshold: bits of the simulation whose largest visibility is wanted (0 = LHS)",
                       ge=0, le=6)
    models: bool = option(True, "search explicit t-bit models for the upper bound (one steering party)")
    subset: str = option("auto", "finite subset of a pvm/povm family (auto: icosahedron for qubits, "
                         "mubs for prime d; or any finite measurement name/file)")
    analytic_tol: float = option(1e-9, "tolerance of the analytic infinite-communication tests on the state",
                                 gt=0, le=1e-3)


def _bits(nu: float) -> float:
    return math.log2(1.0 + nu)


class CommCost(Certifier):
    """Lower (certified) and upper (explicit models) bounds on the communication cost of steering."""

    name = "comm-cost"
    questions = ("steering",)
    requires = ("scipy", "clarabel")
    rigor = "certified"
    description = ("communication cost of steering: certified log2(1+LHS robustness) lower bound, "
                   "explicit t-bit models as upper bound, analytic infinite cases")
    Options = CommCostOptions

    def supports(self, target: Target) -> bool:
        if isinstance(target, SteeringTarget):
            ms = target.measurements
            return not isinstance(ms, MeasurementSpace) or ms.kind in ("pvm", "povm")
        return isinstance(target, Assemblage)

    # ------------------------------------------------------------ inputs
    @staticmethod
    def finite_assemblage(target: Target, options: CommCostOptions) -> tuple[np.ndarray, int, str | None]:
        """(sigma, steering parties, subset name or None) of a target; continuous families are
        replaced by the assemblage of their finite subset."""
        if isinstance(target, Assemblage):
            return target.sigma, target.n_parties, None
        ms = target.measurements
        if isinstance(ms, MeasurementSpace):
            sub = continuous.subset(ms, options.subset)
            asm = SteeringTarget(target.state, sub).assemblage()
            return asm.sigma, asm.n_parties, sub.name
        asm = target.assemblage()
        return asm.sigma, asm.n_parties, None

    # ------------------------------------------------------------ certify
    def _certify(self, target: Target, options: CommCostOptions) -> Result:
        sigma, n, sub = self.finite_assemblage(target, options)
        analytic = None
        if sub is not None:
            analytic = continuous.infinite_case(target.state, options.analytic_tol)
        rob = robustness.lhs_robustness(sigma, n, options.sdp_solver, options.solver_tol)
        nu = rob.nu_lower
        notes = [f"robustness SDP {rob.status}"]
        if sub is not None:
            notes.append(f"lhs_robustness of the subset '{sub}', a lower bound for the family")
        q: dict = {"lhs_robustness": nu, "lhs_robustness_rigor": CERTIFIED,
                   "lhs_robustness_sdp": None if rob.nu_sdp is None else max(rob.nu_sdp, 0.0),
                   "bits_lower": _bits(nu), "bits_lower_rigor": CERTIFIED}
        lhs_model = rob.nu_sdp is not None and nu == 0.0 and rob.residual <= options.tol
        model = None
        if analytic:
            q["bits_lower"] = q["bits_upper"] = math.inf
            q["bits_upper_rigor"] = CERTIFIED
            notes.insert(0, f"infinite communication: {analytic} ({continuous.SAINZ})")
        elif sub is not None:
            q["bits_upper"], q["bits_upper_rigor"] = None, None
            notes.append("no upper bound for a continuous family")
        elif n != 1 or not options.models:
            q["bits_upper"], q["bits_upper_rigor"] = None, None
            notes.append("t-bit models are built for one steering party" if n != 1 else
                         "model search off (--no-models)")
        else:
            model = self._upper(sigma, nu, lhs_model, rob.hidden, options, notes)
            q["bits_upper"] = model.bits
            q["bits_upper_rigor"] = CERTIFIED if model.status.startswith("exact") else SOLVER
            q["model_residual"], q["model_states"] = model.residual, model.n_states
        q["bits_exact"], q["bits_exact_rigor"] = self._exact(q, lhs_model)
        q["n_strategies"], q["sdp_variables"] = rob.n_strategies, rob.n_variables
        cert = Certificate("communication-cost", {
            "steering_inequality": dict(rob.certificate),
            "model": None if model is None else model.certificate(),
            "subset": sub, "analytic": analytic},
            "steering_inequality: F normalised to -1 <= sum_r D(r, lambda) F_r <= 1 over every deterministic "
            "strategy (exact lhs_min/lhs_max), value = sum tr(F sigma) <= 1 + 2 nu; "
            + tbit.MODEL_DESCRIPTION)
        if analytic or nu > 0.0:
            verdict, rigor = Verdict.STEERABLE, Rigor.CERTIFIED
        elif lhs_model and sub is None:
            verdict, rigor = Verdict.UNSTEERABLE, Rigor.SOLVER_TOLERANCE
            notes.append(f"LHS model residual {rob.residual:.3g}")
        else:
            verdict, rigor = Verdict.INCONCLUSIVE, None
            notes.append("the subset has an LHS model: it does not decide the family" if lhs_model else
                         f"no certified nu > 0 and no LHS model within tol (residual {rob.residual:.3g})")
        return Result(self.name, "steering", verdict, rigor, value=q["bits_lower"], quantities=q,
                      certificate=cert, message="; ".join(notes))

    @staticmethod
    def _upper(sigma: np.ndarray, nu: float, lhs_model: bool, hidden: np.ndarray | None,
               options: CommCostOptions, notes: list[str]) -> tbit.Model:
        """The least t with a re-checked t-bit model, from the first t the lower bound allows."""
        trivial = tbit.send_setting(sigma)
        if lhs_model:  # the 0-bit layout lists the strategies in the robustness SDP's order
            lay = tbit.layout(sigma.shape[0], sigma.shape[1], 0)
            res, dev = tbit.recheck(lay, hidden, sigma)
            return tbit.Model(0, 1.0, True, res, dev, lay, hidden, "LHS model of the robustness SDP", len(hidden))
        start = 0 if nu == 0.0 else max(1, math.ceil(_bits(nu) - 1e-12))
        noise = Assemblage(sigma, 1, require_psd=False).white_noise_like().sigma
        for t in range(start, trivial.bits):
            try:
                model = tbit.max_visibility(sigma, noise, t, options.sdp_solver, options.solver_tol, options.tol)
            except ProblemTooLargeError as exc:
                notes.append(f"{t}-bit model not searched: {exc}")
                break
            if model.states is not None:
                res, dev = tbit.recheck(model.layout, model.states, sigma)  # against sigma itself (v = 1)
                if res <= options.tol and dev <= options.tol:
                    model.v, model.residual, model.trace_deviation, model.ok = 1.0, res, dev, True
                    return model
            notes.append(f"no {t}-bit model (largest simulable visibility {model.v if model.v is not None else '-'})")
        return trivial

    @staticmethod
    def _exact(q: dict, lhs_model: bool) -> tuple[float | None, str | None]:
        lo, up = q["bits_lower"], q["bits_upper"]
        if up is None:
            return None, None
        if math.isinf(up) and math.isinf(lo):
            return math.inf, CERTIFIED
        if up == 0 and lhs_model:
            return 0, q["bits_upper_rigor"]
        if up >= 1 and lo > up - 1:
            return up, q["bits_upper_rigor"]
        return None, None

    # ------------------------------------------------------------ threshold
    def critical_visibility(self, family, measurements=None, options: CommCostOptions | None = None):
        """Largest visibility simulable with `--bits` T bits (T = 0: the LHS threshold); see
        `quantcorr_bounds.threshold`."""
        from .threshold import critical_visibility

        return critical_visibility(self, family, measurements, self.Options() if options is None else options)
