"""Symmetry reduction of the polytope-lhs LPs: same optimum as the full LP, groups found only
where the state and the direction sets share them, and the brackets unchanged."""

import copy

import numpy as np
import pytest

from quantcorr.assemblage import Assemblage
from quantcorr.linalg import haar_unitary
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.states import State, partially_entangled, werner
from quantcorr.threshold import VisibilityFamily
from quantcorr_sdp import polytope_certs as certs
from quantcorr_sdp.directions import directions_from_spec, qubit_inner_states, qubit_outer_vertices, bloch_coords
from quantcorr_sdp.polytope import PolytopeLhs, PolytopeLhsOptions
from quantcorr_sdp.polytope_lp import AffineAssemblage, functional_from_duals, solve_hidden_state_lp
from quantcorr_sdp.polytope_symmetry import candidate_rotations, find_group, solve_symmetric_lp

PHI_PLUS = np.array([1, 0, 0, 1]) / np.sqrt(2)


def _target(state: State, spec: str) -> tuple[AffineAssemblage, np.ndarray]:
    fam = VisibilityFamily(state)
    u = directions_from_spec(spec)
    r = certs.safe_shrinking_factor(u)
    t0, t1 = (certs.shrunk_assemblage(rho, 2, u, "pvm", np.zeros(3), r) for rho in (fam.noise_rho, fam.base.rho))
    return AffineAssemblage.from_ends(t0, t1), u


def _rotated_phi_plus(seed: int) -> State:
    u = np.kron(haar_unitary(2, rng=np.random.default_rng(seed)), np.eye(2))
    return State(u @ np.outer(PHI_PLUS, PHI_PLUS) @ u.conj().T, (2, 2))


def test_candidate_groups_are_the_octahedral_and_icosahedral_groups():
    rots = candidate_rotations()
    assert len(rots) == 48 + 120 - 24  # O_h and I_h share T_h
    for r in rots:
        assert np.allclose(r @ r.T, np.eye(3), atol=1e-12)


@pytest.mark.parametrize("state, spec, order", [
    (werner(1.0), "icosahedron", 120), (werner(1.0), "geodesic-42", 120),
    (State(np.outer(PHI_PLUS, PHI_PLUS), (2, 2)), "geodesic-42", 120),  # Bob's map is T R T, not R
    (partially_entangled(np.pi / 8), "geodesic-42", 4), (werner(1.0), "cube", 48)])
def test_symmetric_lp_has_the_full_lp_optimum(state, spec, order):
    target, u = _target(state, spec)
    hidden = qubit_inner_states(directions_from_spec("geodesic-42" if spec != "cube" else "octahedron"))
    group = find_group(target, u, hidden)
    assert group is not None and group.order == order
    full, sym = solve_hidden_state_lp(target, hidden, 1.05), solve_symmetric_lp(target, hidden, group, 1.05)
    assert sym.v == pytest.approx(full.v, abs=1e-7)
    # the rebuilt full model reproduces the target exactly (up to the LP tolerance)
    assert np.abs(sym.q @ hidden - target.first(sym.v)).max() < 1e-7
    assert np.abs(sym.p @ hidden - target.marginal(sym.v)).max() < 1e-7
    assert np.all(sym.q <= sym.p[None] + 1e-15) and np.all(sym.q >= 0)


def test_no_group_without_a_shared_symmetry():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    rho = a @ a.conj().T
    target, u = _target(State(rho / np.trace(rho).real, (2, 2)), "geodesic-42")
    assert find_group(target, u, qubit_inner_states(directions_from_spec("geodesic-42"))) is None
    # a rotated Phi+ keeps only the inversion (its Bob marginal is I/2)
    target, u = _target(_rotated_phi_plus(1), "geodesic-42")
    group = find_group(target, u, qubit_inner_states(directions_from_spec("geodesic-42")))
    assert group is not None and group.order == 2


def test_averaged_functional_is_invariant_and_crosses_where_the_full_one_does():
    """The outer LP's functional rebuilt from the reduced duals (group average) is invariant under
    Bob's maps and gives the same certified crossing as the full LP's functional."""
    fam = VisibilityFamily(werner(1.0))
    u = directions_from_spec("icosahedron")
    ms = MeasurementSet.from_bloch(u)
    s0, s1 = (Assemblage.from_state(fam.at(v), ms).sigma for v in (0.0, 1.0))
    target = AffineAssemblage.from_ends(s0, s1)
    outer = qubit_outer_vertices(directions_from_spec("geodesic-162"))
    group = find_group(target, u, bloch_coords(outer))
    assert group is not None and group.order == 120
    crossings = []
    for sol in (solve_symmetric_lp(target, bloch_coords(outer), group), solve_hidden_state_lp(target, bloch_coords(outer))):
        best = np.inf
        F = certs.functional_to_operators(functional_from_duals(sol))
        for sign in (1, -1):
            bound = certs.outer_lhs_bound(sign * F, outer)
            v = certs.crossing(sign * F, bound, fam, u)
            best = min(best, np.inf if v is None else v)
        crossings.append(best)
    assert crossings[0] == pytest.approx(crossings[1], abs=1e-7) and crossings[0] < 1
    F = certs.functional_to_operators(functional_from_duals(solve_symmetric_lp(target, bloch_coords(outer), group)))
    pts = np.random.default_rng(0).standard_normal((50, 3))
    for o in group.bob[:, 1:, 1:]:
        assert np.allclose(certs.outer_values(F, pts @ o.T), certs.outer_values(F, pts), atol=1e-9)


def test_werner_bracket_is_unchanged_by_the_reduction():
    small = dict(polytope="geodesic-42", hidden="geodesic-42", upper_polytope="icosidodecahedron",
                 outer="geodesic-162", bound_rounds=5)
    fam, pvm = VisibilityFamily(werner(1.0)), MeasurementSpace("pvm", 2)
    on = PolytopeLhs().critical_visibility(fam, pvm, PolytopeLhsOptions(**small))
    off = PolytopeLhs().critical_visibility(fam, pvm, PolytopeLhsOptions(**small, symmetry="off"))
    assert on.quantities["symmetry_order_lower"] == 120 and off.quantities["symmetry_order_lower"] == 1
    assert on.lower == pytest.approx(off.lower, abs=1e-8)
    assert on.upper == pytest.approx(off.upper, abs=1e-6)
    assert on.lower < 0.5 < on.upper


def test_orbit_form_certificate_is_compact_rechecked_and_perturbations_are_rejected():
    small = dict(polytope="geodesic-42", hidden="geodesic-162", upper_polytope="icosahedron",
                 outer="geodesic-42", bound_rounds=2)
    fam = VisibilityFamily(werner(1.0))
    res = PolytopeLhs().critical_visibility(fam, MeasurementSpace("pvm", 2), PolytopeLhsOptions(**small))
    cert = res.certificates["lhs_model"]
    orbits = cert["orbit_responses"]
    assert "responses" not in cert and len(orbits["values"]) < 21 * 162 / 10  # about 1/120 of the table
    assert len(orbits["generators_directions"]) <= 4
    assert certs.check_lhs_certificate(cert, fam)[0]
    bad = copy.deepcopy(cert)
    bad["orbit_responses"]["values"][0] = 1.0 - bad["orbit_responses"]["values"][0]  # flip one orbit's response
    assert not certs.check_lhs_certificate(bad, fam)[0]
    bad = copy.deepcopy(cert)
    gen = bad["orbit_responses"]["generators_hidden"]
    gen[0][[0, 1]] = gen[0][[1, 0]]  # a generator that is not a symmetry: wrong orbits, wrong model
    assert not certs.check_lhs_certificate(bad, fam)[0]
    bad = copy.deepcopy(cert)
    gen = bad["orbit_responses"]["generators_directions"]
    gen[0][0] = gen[0][1]  # a repeated index: not a permutation any more
    ok, why = certs.check_lhs_certificate(bad, fam)
    assert not ok and "cannot be expanded" in why
