"""Solver `npa`: is a behaviour in the quantum set? The NPA hierarchy in Collins-Gisin form.

Verdicts:
- "not-quantum" (certified): max v with noise + v (p - noise) in Q_level is below 1; the dual
  of the PSD constraint gives a Bell functional whose quantum bound is made rigorous
  (`sdp.functional_from_dual`: free-word projection plus the most negative eigenvalue times the
  moment-matrix size) and whose value is recomputed on p (`sdp.check_certificate`).
- "quantum" (certified) only where membership is exact: 2222 with zero marginals (|<A_x>|,
  |<B_y>| <= 1e-9), where the TLM arcsine criterion (`tlm.py`) decides; it is evaluated directly
  on the correlators (slack >= -1e-9 counts as satisfied, for points like Tsirelson's that sit
  on the boundary in exact arithmetic).
- "quantum" (solver-tolerance) when p is local: inside Q_level, a local decomposition found by
  the `bell-lp` LP and re-checked (weights >= 0, residual <= 1e-8) is a quantum model.
- otherwise "inconclusive" with quantities npa_level and the visibility v*: Q_level is an
  outer approximation, so being inside it proves nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from quantcorr.certifier import Certificate, Certifier, Result, Rigor, Verdict
from quantcorr.correlations import Behaviour
from quantcorr.options import Options, option

from . import sdp, tlm
from .words import LEVELS

NAME = "npa"


@dataclass
class NpaOptions(Options):
    level: str = option("1+AB", "NPA level (moment-matrix words)", choices=LEVELS)
    sdp_solver: str = option("clarabel", "conic solver used through cvxpy", choices=sdp.SOLVERS)
    tol: float = option(1e-7, "visibility tolerance: v* >= 1 - tol counts as inside Q_level", gt=0, le=1e-3)


def _tlm_case(b: Behaviour) -> bool:
    return b.p.shape == (2, 2, 2, 2) and tlm.zero_marginals(b.chsh_coordinates())


def verify_npa_certificate(behaviour: Behaviour, cert: Certificate) -> tuple[bool, str]:
    """Independent re-check of an "npa-dual" certificate (see `sdp.check_certificate`)."""
    return sdp.check_certificate(cert.data, behaviour.p)


class Npa(Certifier):
    name = NAME
    questions = ("quantum-set",)
    requires = ("cvxpy",)
    rigor = "certified"
    description = "NPA hierarchy (levels 1, 1+AB, 2, 3); certified dual Bell functional; exact TLM for CHSH"
    Options = NpaOptions

    @classmethod
    def quick_options(cls) -> NpaOptions:
        return NpaOptions(level="1")

    def supports(self, target) -> bool:
        return isinstance(target, Behaviour)

    def _certify(self, target: Behaviour, options: NpaOptions) -> Result:
        p = target.p
        st = sdp.structure(target.settings, target.outcomes, options.level)
        quantities: dict = {"npa_level": options.level, "moment_matrix_size": float(st.size)}
        if _tlm_case(target):
            slack = float(tlm.tlm_slack(target.chsh_coordinates()[4:]))
            quantities["tlm_slack"] = slack
            if slack >= -tlm.TLM_TOL:
                cert = Certificate("tlm", {"correlators": target.chsh_coordinates()[4:], "slack": slack},
                                   "zero marginals and |asin E00 + asin E01 + asin E10 - asin E11| <= pi "
                                   "for every placement of the minus sign (exact for CHSH)")
                return Result(NAME, "quantum-set", Verdict.QUANTUM, Rigor.CERTIFIED, value=slack,
                              quantities=quantities, certificate=cert,
                              message=f"TLM arcsine criterion holds (slack {slack:.3g}, tolerance "
                                      f"{tlm.TLM_TOL:g}); zero marginals within {tlm.ZERO_MARGINAL_TOL:g}")
        v, Y, status = sdp.max_visibility(st, p, target.white_noise_like().p, 2.0, options.sdp_solver)
        if v is None:
            return self.failed(target, f"SDP failed (status {status})")
        quantities["npa_visibility"] = v
        if v >= 1 - options.tol:
            local = _local_model(target)
            if local is not None:
                return Result(NAME, "quantum-set", Verdict.QUANTUM, Rigor.SOLVER_TOLERANCE, value=v,
                              quantities=quantities, certificate=local,
                              message="local (re-checked weights over deterministic strategies), hence quantum")
            return Result(NAME, "quantum-set", Verdict.INCONCLUSIVE, None, value=v, quantities=quantities,
                          message=f"inside Q_{options.level} (v* = {v:.6g}); an outer approximation proves "
                                  f"no quantum model")
        if Y is None:
            return Result(NAME, "quantum-set", Verdict.INCONCLUSIVE, None, value=v, quantities=quantities,
                          message=f"outside Q_{options.level} (v* = {v:.6g}) but the solver gave no dual")
        data = sdp.certificate_from_dual(st, Y, p)
        ok, why = sdp.check_certificate(data, p)
        if not ok:
            return Result(NAME, "quantum-set", Verdict.INCONCLUSIVE, None, value=v, quantities=quantities,
                          message=f"outside Q_{options.level} (v* = {v:.6g}) but the certificate failed: {why}")
        quantities.update(bell_value=data["value"], quantum_bound=data["quantum_bound"])
        cert = Certificate("npa-dual", data, "sum c p <= quantum_bound for every quantum behaviour; bound "
                           "from the projected dual matrix (see quantcorr_npa.sdp)")
        return Result(NAME, "quantum-set", Verdict.NOT_QUANTUM, Rigor.CERTIFIED, value=v, quantities=quantities,
                      certificate=cert, message=f"Bell functional: {why}")

    def critical_visibility(self, family, measurements=None, options=None):
        """One SDP: the largest v with v*base + (1-v)*noise in Q_level. The upper end is the
        certified crossing of the dual functional's quantum bound; the lower end is certified
        only in the exact TLM case (bisection on the arcsine criterion), else left open."""
        from quantcorr.errors import UnsupportedTargetError
        from quantcorr.threshold import ThresholdResult

        options = self.Options() if options is None else options
        if getattr(family, "kind", None) != "behaviour":
            raise UnsupportedTargetError("npa thresholds need a family of behaviours (--behaviour, or a state "
                                         "with --bob-measurements)")
        start = time.perf_counter()
        base, noise = family.base.p, family.noise.p
        st = sdp.structure(family.base.settings, family.base.outcomes, options.level)
        v, Y, status = sdp.max_visibility(st, base, noise, 1.0, options.sdp_solver)
        label = family.describe()
        if v is None:
            return ThresholdResult(NAME, label, "", None, None, None, "visibility SDP",
                                   message=f"SDP failed (status {status})", wall_time_s=time.perf_counter() - start)
        upper = lower = None
        cert: dict = {}
        message = ""
        if v < 1 - options.tol and Y is not None:
            c, bound = sdp.functional_from_dual(st, Y)
            i_base, i_noise = float((c * base).sum()), float((c * noise).sum())
            if i_base > bound and i_base > i_noise:
                upper = max(0.0, (bound - i_noise) / (i_base - i_noise))
                cert = {"coefficients": c, "quantum_bound": bound}
        elif v >= 1 - options.tol:
            message = f"in Q_{options.level} up to v = 1: no threshold in [0, 1]"
        exact = all(_tlm_case(b) for b in (family.base, family.noise))
        if exact:
            lower = _tlm_threshold(family.base, family.noise)
        else:
            message = message or f"Q_{options.level} is an outer approximation: v* bounds the quantum threshold " \
                                 f"from above; the lower end is open"
        estimate = min(max(v, lower if lower is not None else v), upper if upper is not None else v)  # in the bracket
        return ThresholdResult(NAME, label, "", estimate, lower, upper, f"one SDP (NPA level {options.level})",
                               "certified" if lower is not None else None,
                               "certified" if upper is not None else None,
                               [{"v": v, "verdict": f"boundary of Q_{options.level}"}], cert,
                               {"npa_level": options.level}, time.perf_counter() - start, message)


def _local_model(target: Behaviour) -> Certificate | None:
    """A re-checked local decomposition of the behaviour, if it is local and small enough."""
    from . import local_lp

    if local_lp.n_strategies(target.settings, target.outcomes) > local_lp.MAX_STRATEGIES:
        return None
    noise = target.white_noise_like().p
    v, w, _, _ = local_lp.max_visibility(target.p, noise, 0.0, 1.0)
    if v is None or v < 1 - 1e-9:
        return None
    ok, w, residual = local_lp.check_weights(target.p, w)
    return Certificate("local-model", {"weights": w, "residual": residual}, "local weights (see bell-lp)") if ok else None


def _tlm_threshold(base: Behaviour, noise: Behaviour) -> float:
    """Largest v in [0, 1] at which the mixture satisfies the TLM criterion exactly (slack >= 0),
    by bisection (the quantum set is convex and contains the noise)."""
    eb, en = base.chsh_coordinates()[4:], noise.chsh_coordinates()[4:]
    at = lambda v: float(tlm.tlm_slack(en + v * (eb - en)))  # noqa: E731
    if at(1.0) >= 0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if at(mid) >= 0 else (lo, mid)
    return lo
