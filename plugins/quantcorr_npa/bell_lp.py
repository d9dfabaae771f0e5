"""Solver `bell-lp`: is a behaviour p(a,b|x,y) local? One LP over deterministic strategies.

- "local" (rigor solver-tolerance): the LP's weights, re-checked (non-negative after clipping
  at most 1e-8, |D w - p| <= 1e-8), are the certificate.
- "nonlocal" (rigor certified): the LP's equality multipliers give a Bell functional c; its local
  bound is recomputed by exact enumeration of every deterministic point and its value on p is
  recomputed from p, independently of the solver (`verify_bell_certificate`).
Any bipartite scenario (settings and outcomes per party); the number of deterministic
strategies is capped (ProblemTooLargeError).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from quantcorr.certifier import Certificate, Certifier, Result, Rigor, Verdict
from quantcorr.correlations import Behaviour
from quantcorr.options import Options, option

from . import local_lp

NAME = "bell-lp"


@dataclass
class BellLpOptions(Options):
    tol: float = option(1e-9, "visibility tolerance: v* >= 1 - tol counts as local (then re-checked)",
                        gt=0, le=1e-4)


def verify_bell_certificate(behaviour: Behaviour, cert: Certificate) -> tuple[bool, str]:
    """Re-check a "bell-inequality" certificate against a behaviour: recompute the local bound
    over every deterministic point and the value on p; both must match the stated ones and the
    value must exceed the bound."""
    try:
        c = np.asarray(cert.data["coefficients"], float)
        bound, value = float(cert.data["local_bound"]), float(cert.data["value"])
    except (KeyError, TypeError, ValueError) as exc:
        return False, f"malformed certificate ({exc})"
    if c.shape != behaviour.p.shape:
        return False, f"functional shape {c.shape} does not fit the behaviour {behaviour.p.shape}"
    violated, v_true, b_true = local_lp.inequality_check(c, behaviour.p)
    scale = 1e-9 * (1.0 + float(np.abs(c).sum()))
    if bound < b_true - scale:
        return False, f"stated local bound {bound:.10g} is below the exact {b_true:.10g}"
    if abs(value - v_true) > scale:
        return False, f"stated value {value:.10g} differs from the recomputed {v_true:.10g}"
    if not violated:
        return False, f"no violation: value {v_true:.10g} <= local bound {b_true:.10g}"
    return True, f"value {v_true:.10g} > local bound {b_true:.10g}"


def verify_local_certificate(behaviour: Behaviour, cert: Certificate) -> tuple[bool, str]:
    """Re-check a "local-model" certificate: weights over the strategies of the scenario."""
    try:
        w = np.asarray(cert.data["weights"], float)
    except (KeyError, TypeError, ValueError) as exc:
        return False, f"malformed certificate ({exc})"
    settings, outcomes = behaviour.settings, behaviour.outcomes
    if w.shape != (local_lp.n_strategies(settings, outcomes),) or not np.all(np.isfinite(w)):
        return False, "weights do not match the scenario's deterministic strategies"
    ok, _, residual = local_lp.check_weights(behaviour.p, w)
    return ok, f"residual {residual:.3g} (limit {local_lp.WEIGHT_TOL:g})"


class BellLp(Certifier):
    name = NAME
    questions = ("bell",)
    requires = ("scipy",)
    rigor = "certified"
    description = "local-polytope LP over deterministic strategies (HiGHS); Bell inequality from the dual"
    Options = BellLpOptions

    def supports(self, target) -> bool:
        return isinstance(target, Behaviour)

    def _certify(self, target: Behaviour, options: BellLpOptions) -> Result:
        p = target.p
        local_lp.check_size(target.settings, target.outcomes)
        noise = target.white_noise_like().p
        v, w, marg, msg = local_lp.max_visibility(p, noise, 0.0, 1.0)
        if v is None:
            return self.failed(target, f"LP failed: {msg}")
        quantities = {"local_visibility": v, "strategies": float(len(w))}
        if v >= 1 - options.tol:
            ok, w, residual = local_lp.check_weights(p, w)
            quantities["residual"] = residual
            if ok:
                cert = Certificate("local-model", {"weights": w, "settings": list(target.settings),
                                                   "outcomes": list(target.outcomes)},
                                   "weights over deterministic strategies (Alice's strategy slowest; "
                                   "outcome of setting x = (index // o**x) % o)")
                return Result(NAME, "bell", Verdict.LOCAL, Rigor.SOLVER_TOLERANCE, value=v,
                              quantities=quantities, certificate=cert,
                              message=f"local decomposition re-checked (residual {residual:.2g})")
            return Result(NAME, "bell", Verdict.INCONCLUSIVE, None, value=v, quantities=quantities,
                          message=f"LP says local but the weights fail the re-check (residual {residual:.2g})")
        c = None if marg is None else local_lp.functional_from_multipliers(marg, p)
        if c is None:
            return Result(NAME, "bell", Verdict.INCONCLUSIVE, None, value=v, quantities=quantities,
                          message="LP says nonlocal but no violated Bell inequality survived the re-check")
        _, value, bound = local_lp.inequality_check(c, p)
        cert = Certificate("bell-inequality", {"coefficients": c, "local_bound": bound, "value": value},
                           "sum_{xyab} c[x,y,a,b] p(a,b|x,y) <= local_bound for every local behaviour "
                           "(bound recomputed over every deterministic point)")
        quantities.update(bell_value=value, local_bound=bound)
        return Result(NAME, "bell", Verdict.NONLOCAL, Rigor.CERTIFIED, value=v, quantities=quantities,
                      certificate=cert, message=f"Bell inequality violated: {value:.6g} > {bound:.6g}")

    def critical_visibility(self, family, measurements=None, options=None):
        """One LP: the largest v with v*base + (1-v)*noise local (TargetFamily of behaviours)."""
        from quantcorr.errors import UnsupportedTargetError
        from quantcorr.threshold import ThresholdResult

        if getattr(family, "kind", None) != "behaviour":
            raise UnsupportedTargetError("bell-lp thresholds need a family of behaviours (--behaviour, or a "
                                         "state with --bob-measurements)")
        start = time.perf_counter()
        base, noise = family.base.p, family.noise.p
        local_lp.check_size(family.base.settings, family.base.outcomes)
        v, w, marg, msg = local_lp.max_visibility(base, noise, 0.0, 1.0)
        label = family.describe()
        if v is None:
            return ThresholdResult(NAME, label, "", None, None, None, "visibility LP",
                                   message=f"LP failed ({msg}): is the noise local?",
                                   wall_time_s=time.perf_counter() - start)
        at_v = noise + v * (base - noise)
        ok, w, residual = local_lp.check_weights(at_v, w)
        lower = v if ok else None
        upper, cert, message = None, {}, ""
        if v >= 1 - 1e-12:
            message = "local up to v = 1: no threshold in [0, 1]"
        else:
            c = None if marg is None else local_lp.functional_from_multipliers(marg, base)
            if c is not None:
                bound = local_lp.local_bound(c)
                i_base, i_noise = float((c * base).sum()), float((c * noise).sum())
                if i_base > i_noise:
                    upper = min(1.0, (bound - i_noise) / (i_base - i_noise))
                    cert = {"coefficients": c, "local_bound": bound}
            if upper is None:
                message = "no re-checked Bell inequality: upper end open"
        table = [{"v": v, "verdict": "local", "residual": residual}]
        return ThresholdResult(NAME, label, "", v, lower, upper, "one LP (largest local visibility)",
                               "solver-tolerance" if lower is not None else None,
                               "certified" if upper is not None else None, table, cert,
                               {"residual": residual}, time.perf_counter() - start, message)
