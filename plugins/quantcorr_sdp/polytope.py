"""`polytope-lhs`: certified brackets [lower, upper] around steering thresholds for ALL projective
measurements or ALL POVMs of a qubit steering party (REFERENCE.md section 3).

Party 0 (Alice, a qubit) steers Bob (trusted, any dimension dB); the family is
rho(v) = v base + (1 - v) I/D.
- lower: an LHS model for the finite assemblage of O(v) = [X - (1-r) I/2 (x) X_B]/r on m directions
  (r = inradius of conv{+-u_x}; X = rho(v) for PVMs, X = 2 rho(v) - xi (x) rho_B(v) for POVMs by
  the half-mixing lemma), found by ONE linear program over fixed hidden states (or the 2^m-strategy
  SDP for small m), then made exact by backing v off (see `polytope_certs`) and re-checked.
- upper: a steering inequality on finitely many PVMs (dual of the same LP with an outer polytope of
  Bob "states" for a qubit Bob; the sdp-lhs dual for dB > 2), whose LHS bound and value are
  recomputed before its crossing visibility is reported. PVMs are POVMs, so it bounds both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import numpy as np

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import (Certificate, Certifier, Options, Result, Rigor, SteeringTarget, Target, Verdict,
                                 option)
from quantcorr.errors import UnsupportedTargetError
from quantcorr.linalg import from_gell_mann, gell_mann, partial_trace
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.threshold import ThresholdResult, VisibilityFamily

from . import polytope_certs as certs
from .directions import (bloch_coords, directions_from_spec, qubit_inner_states, qubit_outer_vertices,
                         refine_tangents, sampled_pure_states, shrinking_factor, tangent_vertices)
from .polytope_lp import AffineAssemblage, LpSolution, functional_from_duals, solve_hidden_state_lp


#: A bracket wider than this gets no estimate (its midpoint is reported as "midpoint" only).
ESTIMATE_MAX_WIDTH = 0.01
#: Alice's default polytope by Bob's dimension: the qubit LP is cheap enough for 321 directions;
#: a qutrit Bob with sampled hidden states finishes in about a minute with 81 (issue 18 item 5).
AUTO_POLYTOPE = {2: "geodesic-642", 3: "geodesic-162"}
AUTO_POLYTOPE_LARGER = "geodesic-42"
#: Qubit Bob and LPs with the full icosahedral symmetry (`polytope_symmetry`: about 120x fewer
#: columns): (polytope, hidden, upper polytope). For Werner this gives width 0.0013 in about 40 CPU s
#: against 0.0055 in 11 s with the sets above (benchmarks/performance.md).
AUTO_ICOSAHEDRAL = ("geodesic:16", "geodesic:16", "geodesic-642")
#: Skip LPs whose optimum follows from one already solved (see `PolytopeLhs._povm_lower`); False
#: only to time the previous behaviour (benchmarks/certified_brackets.py --compare).
SKIP_EQUIVALENT_LPS = True


@dataclass
class PolytopeLhsOptions(Options):
    polytope: str = option("auto", "Alice's directions for the lower bound: auto (geodesic-642 for a qubit Bob, "
                           "geodesic-162 for a qutrit, geodesic-42 beyond; geodesic:16 when the state has the "
                           "icosahedral symmetry, see --symmetry), octahedron, cube, icosahedron, "
                           "dodecahedron, icosidodecahedron, geodesic-42/162/642/2562, geodesic:F, bloch:x,y,z;..., "
                           "or a .json/.npy file")
    hidden: str = option("auto", "qubit Bob: directions of the pure hidden states (both signs) in the "
                         "lower-bound LP (auto: geodesic-162; geodesic:16 with the icosahedral symmetry)")
    upper_polytope: str = option("auto", "directions of the steering inequality (auto: geodesic-162, or "
                                 "geodesic-642 with the icosahedral symmetry; icosahedron when dB > 2, where the "
                                 "inequality comes from the 2^m-strategy SDP of sdp-lhs)")
    outer: str = option("geodesic-642", "qubit Bob: directions whose polytope, scaled to contain the Bloch ball, "
                        "relaxes the hidden states of the upper-bound LP")
    outer_rounds: int = option(0, "qubit Bob: rounds of cutting planes refining the outer polytope where the "
                               "steering inequality's bound is attained, each re-solving the upper LP", ge=0, le=50)
    bound_rounds: int = option(60, "qubit Bob: rounds of cutting planes tightening the final inequality's LHS "
                               "bound (no LP; stops early once the bound stops improving)", ge=0, le=1000)
    outer_batch: int = option(100, "qubit Bob: tangent planes (pairs) added per cutting-plane round", ge=1,
                              le=10_000)
    method: Literal["lp", "sdp"] = option("lp", "lower bound: LP over fixed hidden states, or the 2^m-strategy "
                                          "SDP (m <= 12)", choices=("lp", "sdp"))
    xi: Literal["auto", "zero", "marginal"] = option(
        "auto", "POVMs: Alice's state in the half-mixing lemma: I/2, Alice's marginal at half the PVM bound, or "
        "the better of both", choices=("auto", "zero", "marginal"))
    samples: int = option(300, "dB > 2: number of random pure hidden states", ge=1, le=100_000)
    seed: int = option(0, "dB > 2: seed of the random hidden states", ge=0)
    tol: float = option(1e-9, "HiGHS primal/dual feasibility tolerance", ge=1e-10, le=1e-4)
    symmetry: Literal["auto", "off"] = option(
        "auto", "qubit Bob: solve the LPs on orbits of their symmetry group when the state and the direction sets "
        "share one (exact: same optimum; e.g. 120x fewer columns for Werner on geodesic sets), or always the full LP",
        choices=("auto", "off"))


@dataclass
class _End:
    """One end of a bracket: certified value (or None), certificate data and notes."""

    v: float | None
    cert: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@contextlib.contextmanager
def _stage(text: str):
    """Progress on stderr when it is a terminal: a spinner with the stage and its elapsed time,
    then one line with the time taken. Silent otherwise (pipes, tests, JSON output)."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    console, start = Console(stderr=True), time.perf_counter()
    with console.status(f"polytope-lhs: {text} ..."):
        yield
    console.print(f"polytope-lhs: {text}: {time.perf_counter() - start:.1f} s", highlight=False)


def _guarded(compute: Callable[[], _End], what: str) -> _End:
    """A solver failure (RuntimeError) leaves that end open instead of losing the whole bracket."""
    try:
        return compute()
    except RuntimeError as exc:
        return _End(None, note=f"{what}: {exc}")


def _icosahedral(family: VisibilityFamily) -> bool:
    """True when the family's LPs on icosahedral direction sets have the full icosahedral group as
    symmetry (probed on the icosahedron and geodesic-42 hidden states; e.g. Werner, Phi+)."""
    from .polytope_symmetry import find_group

    u = directions_from_spec("icosahedron")
    group = find_group(_pvm_target(family, u), u, qubit_inner_states(directions_from_spec("geodesic-42")))
    return group is not None and group.order == 120


def _pvm_target(family: VisibilityFamily, directions: np.ndarray) -> AffineAssemblage:
    """The family's assemblage for the two-outcome PVMs along `directions`, affine in v."""
    ms = MeasurementSet.from_bloch(directions)
    return AffineAssemblage.from_ends(*(Assemblage.from_state(family.at(v), ms).sigma for v in (0.0, 1.0)))


def _solve_lp(target: AffineAssemblage, directions: np.ndarray, hidden: np.ndarray, v_max: float,
              opts: PolytopeLhsOptions, info: dict[str, Any], key: str) -> tuple[LpSolution, np.ndarray | None]:
    """The hidden-state LP, on the orbits of its symmetry group when there is one (qubit Bob,
    `--symmetry auto`; `polytope_symmetry`), else in full: (solution, Bob's Bloch maps (K, 3, 3)
    of the group or None). info[key] = the group order used."""
    if opts.symmetry == "auto" and target.first0.shape[1] == 4:
        from .polytope_symmetry import find_group, solve_symmetric_lp

        group = find_group(target, directions, hidden)
        if group is not None:
            info[key] = group.order
            return solve_symmetric_lp(target, hidden, group, v_max, opts.tol), group.bob[:, 1:, 1:]
    info[key] = 1
    return solve_hidden_state_lp(target, hidden, v_max, opts.tol), None


class PolytopeLhs(Certifier):
    name = "polytope-lhs"
    questions = ("steering",)
    requires = ("scipy",)
    rigor = Rigor.CERTIFIED.value
    description = "certified bracket for all PVMs/POVMs of a qubit steering party (polytope LP + steering inequality)"
    Options = PolytopeLhsOptions

    @classmethod
    def quick_options(cls) -> PolytopeLhsOptions:
        return PolytopeLhsOptions(polytope="geodesic-42", hidden="geodesic-42", upper_polytope="icosidodecahedron",
                                  outer="geodesic-162", bound_rounds=20)

    def supports(self, target: Target) -> bool:
        return (isinstance(target, SteeringTarget) and isinstance(target.measurements, MeasurementSpace)
                and target.state.n_parties == 2 and target.state.dims[0] == 2)

    # ------------------------------------------------------------------ public API
    def critical_visibility(self, family: VisibilityFamily, measurements: MeasurementSet | MeasurementSpace,
                            options: PolytopeLhsOptions | None = None) -> ThresholdResult:
        """Certified bracket of the white-noise threshold under all PVMs or all POVMs (both ends
        re-checked, rigor "certified"); certificates["lhs_model"] and ["steering_inequality"]."""
        self._check(family, measurements)
        opts = self.resolved(self.Options() if options is None else options, family)
        start = time.perf_counter()
        low, up, quantities = self._bracket(family, measurements.kind, opts, v_max=1.05)
        lower = None if low.v is None else min(low.v, 1.0)
        notes = [n for n in (low.note, up.note) if n]
        est = None
        if lower is not None and up.v is None and lower >= 1.0:
            notes = [f"no threshold up to v=1: certified LHS model at every v <= 1 (lower end {low.v:.6g} "
                     "before capping at 1)"]
        elif lower is not None and up.v is not None:
            mid = 0.5 * (lower + up.v)
            quantities["midpoint"] = mid
            if up.v - lower <= ESTIMATE_MAX_WIDTH:
                est = mid
                notes.append("estimate = midpoint of the certified bracket")
            else:
                notes.append(f"no estimate: the bracket is wider than {ESTIMATE_MAX_WIDTH:g} "
                             f"(its midpoint {mid:.6g} is no estimate of the threshold)")
        if lower is not None and up.v is not None and lower > up.v:
            notes.append("INCONSISTENT: certified lower end above certified upper end")
        method = self._method(measurements.kind, opts, family.base.dims[-1])
        out = ThresholdResult(
            self.name, family.describe(), measurements.name, est, lower, up.v, method,
            Rigor.CERTIFIED.value if lower is not None else None, Rigor.CERTIFIED.value if up.v is not None else None,
            [{"v": v, "verdict": verdict, "rigor": "certified"} for v, verdict in
             ((lower, "unsteerable"), (up.v, "steerable")) if v is not None],
            {k: c for k, c in (("lhs_model", low.cert), ("steering_inequality", up.cert)) if c},
            quantities, message="; ".join(notes))
        if "pvm_model" in low.info:
            out.certificates["lhs_model_pvm"] = low.info["pvm_model"]
        out.wall_time_s = time.perf_counter() - start
        return out

    def _certify(self, target: Target, options: PolytopeLhsOptions) -> Result:
        """Bracket the family t state + (1-t) I/D; the state (t = 1) is unsteerable if lower >= 1,
        steerable if upper <= 1, else inconclusive."""
        family = VisibilityFamily(target.state)
        self._check(family, target.measurements)
        options = self.resolved(options, family)
        low, up, quantities = self._bracket(family, target.measurements.kind, options, v_max=2.0)
        quantities = {**quantities, "t_lower": low.v, "t_upper": up.v}
        msg = "; ".join(n for n in (low.note, up.note) if n)
        if low.v is not None and low.v >= 1:
            return Result(self.name, "steering", Verdict.UNSTEERABLE, Rigor.CERTIFIED, low.v, quantities,
                          Certificate("lhs-model", low.cert, "LHS model for all measurements, re-checked "
                                      "(residual absorbed by a certified back-off)"), message=msg)
        if up.v is not None and up.v <= 1:
            return Result(self.name, "steering", Verdict.STEERABLE, Rigor.CERTIFIED, up.v, quantities,
                          Certificate("steering-inequality", up.cert, "value > LHS bound, re-checked"), message=msg)
        return Result(self.name, "steering", Verdict.INCONCLUSIVE, None, None, quantities,
                      message=msg or "the state lies inside the certified bracket")

    # ------------------------------------------------------------------ internals
    def _check(self, family: VisibilityFamily, measurements: MeasurementSet | MeasurementSpace) -> None:
        if not isinstance(measurements, MeasurementSpace) or measurements.dim != 2:
            raise UnsupportedTargetError(f"solver '{self.name}' needs --measurements pvm or povm of a qubit")
        if family.base.n_parties != 2 or family.base.dims[0] != 2:
            raise UnsupportedTargetError(f"solver '{self.name}' needs a bipartite state with a qubit steering party")
        if not np.allclose(family.noise_rho, np.eye(family.base.dim) / family.base.dim, atol=1e-12):
            raise UnsupportedTargetError(f"solver '{self.name}' needs white noise")

    @staticmethod
    def resolved(opts: PolytopeLhsOptions, family: VisibilityFamily) -> PolytopeLhsOptions:
        """The options with every "auto" direction set replaced by the one used for this family
        (by Bob's dimension, and `AUTO_ICOSAHEDRAL` when a qubit Bob's LPs have the full
        icosahedral symmetry and --symmetry is auto)."""
        d_b = family.base.dims[-1]
        polytope, hidden, upper = AUTO_POLYTOPE.get(d_b, AUTO_POLYTOPE_LARGER), "geodesic-162", (
            "geodesic-162" if d_b == 2 else "icosahedron")
        if d_b == 2 and opts.symmetry == "auto" and "auto" in (opts.polytope, opts.hidden, opts.upper_polytope) \
                and _icosahedral(family):
            polytope, hidden, upper = AUTO_ICOSAHEDRAL
        return dataclasses.replace(opts, polytope=polytope if opts.polytope == "auto" else opts.polytope,
                                   hidden=hidden if opts.hidden == "auto" else opts.hidden,
                                   upper_polytope=upper if opts.upper_polytope == "auto" else opts.upper_polytope)

    def _method(self, kind: str, opts: PolytopeLhsOptions, d_b: int) -> str:
        what = {"pvm": "all PVMs", "povm": "all POVMs (half-mixing lemma)"}[kind]
        prog = "2^m-strategy SDP" if opts.method == "sdp" else f"LP, hidden states {opts.hidden}"
        dual = (f"LP dual, outer {opts.outer}, bound by cutting planes" if d_b == 2 else "sdp-lhs dual")
        return (f"polytope {opts.polytope} ({prog}) for {what}, certified back-off; "
                f"upper: steering inequality "
                f"on {opts.upper_polytope} PVMs ({dual})")

    def _bracket(self, family: VisibilityFamily, kind: str, opts: PolytopeLhsOptions,
                 v_max: float) -> tuple[_End, _End, dict[str, Any]]:
        d_b = family.base.dims[-1]
        u = directions_from_spec(opts.polytope)
        r = shrinking_factor(u)
        q: dict[str, Any] = {"n_directions": len(u), "shrinking_factor": r}
        t = time.perf_counter()
        with _stage(f"lower end: LHS model on {len(u)} directions"):
            low = _guarded(lambda: self._lower(family, u, "pvm", np.zeros(3), opts, v_max), "PVM lower bound")
        if kind == "povm":
            with _stage("lower end: POVM models (half-mixing lemma)"):
                low = _guarded(lambda: self._povm_lower(family, u, low, opts, v_max, q), "POVM lower bound")
        q["lower_time_s"] = time.perf_counter() - t
        q.update({k: val for k, val in low.info.items() if k != "pvm_model"})
        t = time.perf_counter()
        with _stage(f"upper end: steering inequality on {opts.upper_polytope}"):
            up = _guarded(lambda: self._upper(family, opts), "upper bound")
        q["upper_time_s"] = time.perf_counter() - t
        q.update(up.info)
        return low, up, q

    def _lower(self, family: VisibilityFamily, u: np.ndarray, mode: str, xi: np.ndarray,
               opts: PolytopeLhsOptions, v_max: float) -> _End:
        r = certs.safe_shrinking_factor(u)
        if r <= 0:
            return _End(None, note="the directions do not span R^3: no lower bound")
        d_b = family.base.dims[-1]
        t0 = certs.shrunk_assemblage(family.noise_rho, d_b, u, mode, xi, r)
        t1 = certs.shrunk_assemblage(family.base.rho, d_b, u, mode, xi, r)
        info: dict[str, Any] = {}
        if opts.method == "sdp":
            from .polytope_sdp import solve_strategy_sdp

            model = solve_strategy_sdp(t0, t1, v_max)
            info["n_strategies"] = 2 ** len(u)
        else:
            hidden = (qubit_inner_states(directions_from_spec(opts.hidden)) if d_b == 2
                      else sampled_pure_states(d_b, opts.samples, opts.seed))
            target = AffineAssemblage.from_ends(t0, t1)
            sol, _ = _solve_lp(target, u, hidden, v_max, opts, info, "symmetry_order_lower")
            keep = sol.p > 0 if sol.orbits is None else np.ones(len(sol.p), bool)
            states = from_gell_mann(hidden[keep])
            model = {"v_solver": sol.v, "weights": sol.p[keep],
                     "hidden_states": 0.5 * (states + np.conj(np.swapaxes(states, -1, -2)))}
            if sol.orbits is None:
                model["responses"] = np.clip(sol.q[:, keep] / sol.p[keep], 0.0, 1.0)
            else:  # compact: one response per orbit of (hidden state, direction) and the group's generators
                model["orbit_responses"] = sol.orbits
            info["n_hidden"] = len(hidden)
        info[f"v_solver_{mode}"] = model["v_solver"]
        v_c, cert = certs.certify_lhs_model(model, family, mode, xi, u)
        if v_c is None:
            return _End(None, cert, info, f"{mode} LHS model rejected: {cert['rejected']}")
        ok, why = certs.check_lhs_certificate(cert, family)
        if not ok:
            return _End(None, cert, info, f"{mode} LHS model failed the re-check: {why}")
        return _End(v_c, cert, info)

    def _povm_lower(self, family: VisibilityFamily, u: np.ndarray, pvm: _End, opts: PolytopeLhsOptions,
                    v_max: float, q: dict[str, Any]) -> _End:
        """Best of the POVM LPs over the xi candidates and, when Bob's marginal is maximally mixed,
        the half-mixing value lower_pvm / 2 (rho(L/2) = rho(L)/2 + (I/2 (x) rho_B(L))/2).

        xi is fixed per LP: with xi free the program is bilinear (xi multiplies rho_B(v)). Candidates:
        xi = I/2 ("zero" Bloch vector), optimal when the state and both polytopes share a rotation
        group without fixed axis (e.g. Werner with icosahedral sets: the feasible xi form a convex,
        group-invariant set, so it contains the average 0); and Alice's marginal at half the PVM
        bound ("marginal"), which keeps X = 2 rho - xi (x) rho_B from doubling Alice's local bias.

        Skipped LP: when Bob's marginal of the base is I/dB (the noise is white, see `_check`),
        X = 2 rho(v) - I/2 (x) rho_B(v) = rho(2v), so the xi = I/2 LP is the PVM LP at 2v on the same
        directions and hidden states. Its optimum is then exactly half the PVM optimum whenever that
        is below v_max (not capped), which the half-mixing value already gives: it is not solved."""
        d_b = family.base.dims[-1]
        q["lower_pvm"] = pvm.v
        half = None
        if pvm.v is not None and np.allclose(family.base.reduced(1), np.eye(d_b) / d_b, atol=1e-12):
            half = pvm.v / 2
        q["half_mixing_value"] = half
        a = partial_trace(family.at(min(1.0, (pvm.v or 0.0) / 2)).rho, (2, d_b), (0,))
        marginal = np.real(np.einsum("kij,ji->k", gell_mann(2)[1:], a))
        cands = {"zero": np.zeros(3), "marginal": marginal}
        names = ["zero", "marginal"] if opts.xi == "auto" else [opts.xi]
        if opts.xi == "auto" and np.allclose(marginal, 0, atol=1e-12):
            names = ["zero"]
        if SKIP_EQUIVALENT_LPS and half is not None and pvm.info.get("v_solver_pvm", v_max) < v_max - 1e-9 \
                and "zero" in names:
            names.remove("zero")  # = the PVM LP at 2v (see above)
            q["skipped_lps"] = ["povm xi=I/2 (equals the PVM LP at 2v)"]
        best = _End(None)
        for name in names:
            end = self._lower(family, u, "povm", cands[name], opts, v_max)
            end.info["xi"] = name
            if end.v is not None and (best.v is None or end.v > best.v):
                best = end
            elif best.v is None and not best.note:
                best.note = end.note
        if half is not None and (best.v is None or half > best.v):
            best = _End(half, pvm.cert, {"xi": "half-mixing of the PVM model"},
                        "lower = half-mixing value of the PVM model (Bob's marginal is I/dB)")
        best.info["pvm_model"] = pvm.cert
        return best

    @staticmethod
    def _outer_functionals(target: AffineAssemblage, directions: np.ndarray, opts: PolytopeLhsOptions,
                           info: dict[str, Any]) -> tuple[list[np.ndarray], np.ndarray]:
        """Candidate steering functionals (qubit Bob) from the outer-polytope LP, and the vertices of
        a polytope containing the Bloch ball on which their LHS bound is taken.

        The LP relaxes the hidden states to the vertices of the `outer` directions scaled to contain
        the ball. Cutting planes use polytopes {n : t.n <= 1} over tangent directions t (starting
        from +-`outer`), adding the tangent planes at the `outer_batch` vertices where the current
        functional's value is largest: `outer_rounds` times with the LP re-solved on the new
        vertices, then up to `bound_rounds` times for the final functional alone (cheap: a convex
        hull and a function evaluation per round). The bound is taken on whichever polytope gives
        the smaller one. Every polytope contains the ball, so every bound is valid (re-checked)."""
        vert = qubit_outer_vertices(directions_from_spec(opts.outer))
        t = directions_from_spec(opts.outer)
        tangents = np.vstack([t, -t])
        for k in range(opts.outer_rounds + 1):
            sol, maps = _solve_lp(target, directions, bloch_coords(vert), 1.0, opts, info, "symmetry_order_upper")
            F = certs.functional_to_operators(functional_from_duals(sol))
            if k == opts.outer_rounds:
                break
            for _ in range(2 if k == 0 else 1):
                tangents = refine_tangents(tangents, lambda n: certs.outer_values(F, n), opts.outer_batch, maps)
            vert = tangent_vertices(tangents)
        best = (certs.outer_lhs_bound(F, vert), vert)
        last, cand = np.inf, None  # None: the polar vertices of the tangents are not computed yet
        for _ in range(opts.bound_rounds):
            tangents = refine_tangents(tangents, lambda n: certs.outer_values(F, n), opts.outer_batch, maps, cand)
            cand = tangent_vertices(tangents)
            bound = certs.outer_lhs_bound(F, cand)
            if bound < best[0]:
                best = (bound, cand)
            if last - bound <= 1e-12 * (1 + abs(bound)):
                break
            last = bound
        vert = best[1]
        info.update(n_outer=len(vert), v_solver_upper=sol.v, outer_rounds=opts.outer_rounds)
        return [F, -F], vert

    def _upper(self, family: VisibilityFamily, opts: PolytopeLhsOptions) -> _End:
        d_b = family.base.dims[-1]
        u = directions_from_spec(opts.upper_polytope)
        info: dict[str, Any] = {"n_directions_upper": len(u)}
        if d_b == 2:
            cands, vert = self._outer_functionals(_pvm_target(family, u), u, opts, info)
            base = {"bound_method": "outer-polytope", "outer_vertices": vert}
        else:
            from .lhs import SdpLhs

            res = SdpLhs().critical_visibility(family, MeasurementSet.from_bloch(u))
            ineq = res.certificates.get("steering_inequality")
            cands = [] if ineq is None else [np.asarray(ineq["F"])]
            base = {"bound_method": "strategies"}
        best = _End(None, info=info, note="no steering inequality violated for v <= 1")
        for F in cands:
            cert = {**base, "F": F, "directions": u}
            bound, _ = certs.lhs_bound_of(cert)
            v = None if bound is None else certs.crossing(F, bound, family, u)
            if v is None or (best.v is not None and v >= best.v):
                continue
            cert.update(lhs_bound=bound, v_upper=v)
            ok, why = certs.check_steering_certificate(cert, family)
            if ok:
                best = _End(v, cert, info)
            elif best.v is None:
                best = _End(None, cert, info, f"steering inequality failed the re-check: {why}")
        return best
