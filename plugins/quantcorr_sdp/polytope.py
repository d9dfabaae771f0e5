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

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import numpy as np

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import Certificate, Certifier, Options, Result, Rigor, SteeringTarget, Target, Verdict
from quantcorr.errors import UnsupportedTargetError
from quantcorr.linalg import from_gell_mann, gell_mann, partial_trace, to_gell_mann
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.threshold import ThresholdResult, VisibilityFamily

from . import polytope_certs as certs
from .directions import (bloch_coords, directions_from_spec, qubit_inner_states, qubit_outer_vertices,
                         sampled_pure_states, shrinking_factor)
from .polytope_lp import AffineAssemblage, functional_from_duals, solve_hidden_state_lp


@dataclass
class PolytopeLhsOptions(Options):
    polytope: str = field(default="geodesic-642", metadata={
        "help": "Alice's directions for the lower bound: octahedron, cube, icosahedron, dodecahedron, "
                "icosidodecahedron, geodesic-42/162/642/2562, geodesic:F, bloch:x,y,z;..., or a .json/.npy file"})
    hidden: str = field(default="geodesic-162", metadata={
        "help": "qubit Bob: directions of the pure hidden states (both signs) in the lower-bound LP"})
    upper_polytope: str = field(default="auto", metadata={
        "help": "directions of the steering inequality (auto: geodesic-162; icosahedron when dB > 2, "
                "where the inequality comes from the 2^m-strategy SDP of sdp-lhs)"})
    outer: str = field(default="geodesic-642", metadata={
        "help": "qubit Bob: directions whose polytope, scaled to contain the Bloch ball, relaxes the "
                "hidden states of the upper-bound LP"})
    method: Literal["lp", "sdp"] = field(default="lp", metadata={
        "help": "lower bound: LP over fixed hidden states, or the 2^m-strategy SDP (m <= 12)"})
    xi: Literal["auto", "zero", "marginal"] = field(default="auto", metadata={
        "help": "POVMs: Alice's state in the half-mixing lemma: I/2, Alice's marginal at half the PVM "
                "bound, or the better of both"})
    samples: int = field(default=300, metadata={"help": "dB > 2: number of random pure hidden states"})
    seed: int = field(default=0, metadata={"help": "dB > 2: seed of the random hidden states"})
    tol: float = field(default=1e-9, metadata={"help": "HiGHS primal/dual feasibility tolerance"})


@dataclass
class _End:
    """One end of a bracket: certified value (or None), certificate data and notes."""

    v: float | None
    cert: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _guarded(compute: Callable[[], _End], what: str) -> _End:
    """A solver failure (RuntimeError) leaves that end open instead of losing the whole bracket."""
    try:
        return compute()
    except RuntimeError as exc:
        return _End(None, note=f"{what}: {exc}")


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
                                  outer="geodesic-162")

    def supports(self, target: Target) -> bool:
        return (isinstance(target, SteeringTarget) and isinstance(target.measurements, MeasurementSpace)
                and target.state.n_parties == 2 and target.state.dims[0] == 2)

    # ------------------------------------------------------------------ public API
    def critical_visibility(self, family: VisibilityFamily, measurements: MeasurementSet | MeasurementSpace,
                            options: PolytopeLhsOptions | None = None) -> ThresholdResult:
        """Certified bracket of the white-noise threshold under all PVMs or all POVMs (both ends
        re-checked, rigor "certified"); certificates["lhs_model"] and ["steering_inequality"]."""
        opts = self.Options() if options is None else options
        self._check(family, measurements)
        start = time.perf_counter()
        low, up, quantities = self._bracket(family, measurements.kind, opts, v_max=1.05)
        lower = None if low.v is None else min(low.v, 1.0)
        est = None if lower is None or up.v is None else 0.5 * (lower + up.v)
        notes = [n for n in (low.note, up.note) if n]
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
    def _upper_spec(opts: PolytopeLhsOptions, d_b: int) -> str:
        if opts.upper_polytope != "auto":
            return opts.upper_polytope
        return "geodesic-162" if d_b == 2 else "icosahedron"

    def _method(self, kind: str, opts: PolytopeLhsOptions, d_b: int) -> str:
        what = {"pvm": "all PVMs", "povm": "all POVMs (half-mixing lemma)"}[kind]
        prog = "2^m-strategy SDP" if opts.method == "sdp" else f"LP, hidden states {opts.hidden}"
        dual = f"LP dual, outer {opts.outer}" if d_b == 2 else "sdp-lhs dual"
        return (f"polytope {opts.polytope} ({prog}) for {what}, certified back-off; upper: steering inequality "
                f"on {self._upper_spec(opts, d_b)} PVMs ({dual})")

    def _bracket(self, family: VisibilityFamily, kind: str, opts: PolytopeLhsOptions,
                 v_max: float) -> tuple[_End, _End, dict[str, Any]]:
        u = directions_from_spec(opts.polytope)
        r = shrinking_factor(u)
        q: dict[str, Any] = {"n_directions": len(u), "shrinking_factor": r}
        t = time.perf_counter()
        low = _guarded(lambda: self._lower(family, u, "pvm", np.zeros(3), opts, v_max), "PVM lower bound")
        if kind == "povm":
            low = _guarded(lambda: self._povm_lower(family, u, low, opts, v_max, q), "POVM lower bound")
        q["lower_time_s"] = time.perf_counter() - t
        q.update({k: val for k, val in low.info.items() if k != "pvm_model"})
        t = time.perf_counter()
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
            target = AffineAssemblage(to_gell_mann(t0[:, 0]), to_gell_mann(t1[:, 0]),
                                      to_gell_mann(t0[0].sum(0)), to_gell_mann(t1[0].sum(0)))
            sol = solve_hidden_state_lp(target, hidden, v_max, opts.tol)
            keep = sol.p > 0
            states = from_gell_mann(hidden[keep])
            model = {"v_solver": sol.v, "weights": sol.p[keep],
                     "responses": np.clip(sol.q[:, keep] / sol.p[keep], 0.0, 1.0),
                     "hidden_states": 0.5 * (states + np.conj(np.swapaxes(states, -1, -2)))}
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
        bound ("marginal"), which keeps X = 2 rho - xi (x) rho_B from doubling Alice's local bias."""
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

    def _upper(self, family: VisibilityFamily, opts: PolytopeLhsOptions) -> _End:
        d_b = family.base.dims[-1]
        u = directions_from_spec(self._upper_spec(opts, d_b))
        ms = MeasurementSet.from_bloch(u)
        s0, s1 = (Assemblage.from_state(family.at(v), ms).sigma for v in (0.0, 1.0))
        info: dict[str, Any] = {"n_directions_upper": len(u)}
        if d_b == 2:
            vert = qubit_outer_vertices(directions_from_spec(opts.outer))
            target = AffineAssemblage(to_gell_mann(s0[:, 0]), to_gell_mann(s1[:, 0]),
                                      to_gell_mann(s0[0].sum(0)), to_gell_mann(s1[0].sum(0)))
            sol = solve_hidden_state_lp(target, bloch_coords(vert), 1.0, opts.tol)
            info.update(n_outer=len(vert), v_solver_upper=sol.v)
            f = functional_from_duals(sol)
            cands = [s * certs.functional_to_operators(f) for s in (1.0, -1.0)]
            base = {"bound_method": "outer-polytope", "outer_vertices": vert}
        else:
            from .lhs import SdpLhs

            res = SdpLhs().critical_visibility(family, ms)
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
