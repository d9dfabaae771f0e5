"""polytope-lhs: certified brackets for all PVMs / all POVMs (small polytopes; big ones in benchmarks)."""

import copy
import json

import numpy as np
import pytest

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import SteeringTarget
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.polyhedra import DIRECTION_SETS
from quantcorr.states import State, partially_entangled, werner
from quantcorr.threshold import VisibilityFamily
from quantcorr_sdp import polytope_certs as certs
from quantcorr_sdp.directions import directions_from_spec, shrinking_factor
from quantcorr_sdp.polytope import PolytopeLhs, PolytopeLhsOptions

SMALL = dict(polytope="geodesic-42", hidden="geodesic-42", upper_polytope="icosidodecahedron", outer="geodesic-162")
WERNER = VisibilityFamily(werner(1.0))
PVM, POVM = MeasurementSpace("pvm", 2), MeasurementSpace("povm", 2)


@pytest.fixture(scope="module")
def werner_pvm():
    return PolytopeLhs().critical_visibility(WERNER, PVM, PolytopeLhsOptions(**SMALL))


@pytest.fixture(scope="module")
def werner_povm():
    return PolytopeLhs().critical_visibility(WERNER, POVM, PolytopeLhsOptions(**SMALL))


@pytest.mark.parametrize("name, r", [
    ("octahedron", 1 / np.sqrt(3)), ("cube", 1 / np.sqrt(3)),
    ("icosahedron", np.sqrt((5 + 2 * np.sqrt(5)) / 15)), ("dodecahedron", np.sqrt((5 + 2 * np.sqrt(5)) / 15)),
    ("icosidodecahedron", np.sqrt((5 + np.sqrt(5)) / 10))])
def test_inradius_of_known_solids(name, r):
    assert shrinking_factor(DIRECTION_SETS[name]()) == pytest.approx(r, abs=1e-12)


def test_geodesic_sets_grow_and_fill_the_sphere():
    sizes, radii = [], []
    for n in (42, 162, 642):
        u = DIRECTION_SETS[f"geodesic-{n}"]()
        assert np.allclose(np.linalg.norm(u, axis=1), 1)
        sizes.append(len(u))
        radii.append(shrinking_factor(u))
    assert sizes == [21, 81, 321]
    assert radii[0] < radii[1] < radii[2] < 1 and radii[2] > 0.995
    assert len(directions_from_spec("geodesic:3")) == 46  # 10*9+2 vertices, 46 axes
    assert shrinking_factor(np.array([[1.0, 0, 0], [0, 1, 0]])) == 0.0  # flat: no shrinking factor


def test_user_directions(tmp_path):
    path = tmp_path / "dirs.json"
    path.write_text(json.dumps({"bloch": np.vstack([np.eye(3), -np.eye(3)]).tolist()}))
    assert len(directions_from_spec(str(path))) == 3  # antipodes removed
    assert len(directions_from_spec("bloch:1,0,0;0,1,0;0,0,2")) == 3
    opts = PolytopeLhsOptions(**{**SMALL, "polytope": str(path), "upper_polytope": "bloch:1,0,0;0,1,0;0,0,1"})
    res = PolytopeLhs().critical_visibility(WERNER, PVM, opts)
    assert res.lower <= 1 / 3 and res.upper == pytest.approx(1 / np.sqrt(3), abs=1e-6)


def test_shrunk_assemblage_without_shrinking_is_the_core_assemblage():
    rho = partially_entangled(0.3, 0.8).rho
    u = DIRECTION_SETS["icosahedron"]()
    core = Assemblage.from_state(partially_entangled(0.3, 0.8), MeasurementSet.from_bloch(u)).sigma
    assert np.allclose(certs.shrunk_assemblage(rho, 2, u, "pvm", np.zeros(3), 1.0), core, atol=1e-14)


def test_werner_pvm_bracket_contains_one_half(werner_pvm):
    res = werner_pvm
    assert res.lower_rigor == res.upper_rigor == "certified"
    assert 0.45 < res.lower <= 0.5 <= res.upper < 0.52
    assert certs.check_lhs_certificate(res.certificates["lhs_model"], WERNER)[0]
    assert certs.check_steering_certificate(res.certificates["steering_inequality"], WERNER)[0]


def test_werner_povm_lower_is_at_least_half_mixing(werner_pvm, werner_povm):
    res = werner_povm
    assert res.quantities["half_mixing_value"] == pytest.approx(werner_pvm.lower / 2)
    assert res.lower >= res.quantities["half_mixing_value"]
    assert res.lower <= 0.5 <= res.upper and res.lower_rigor == "certified"
    assert certs.check_lhs_certificate(res.certificates["lhs_model"], WERNER)[0]


def test_three_paulis_sdp_gives_r_times_v3():
    """Octahedron: r = 1/sqrt3 and the 3-setting Werner threshold is 1/sqrt3, so lower = 1/3."""
    opts = PolytopeLhsOptions(**{**SMALL, "polytope": "octahedron", "method": "sdp"})
    res = PolytopeLhs().critical_visibility(WERNER, PVM, opts)
    assert res.lower == pytest.approx(1 / 3, abs=1e-6) and res.lower <= 1 / 3 + 1e-9


def test_partially_entangled_brackets():
    fam = VisibilityFamily(partially_entangled(0.3, 1.0))
    opts = PolytopeLhsOptions(**SMALL)
    pvm = PolytopeLhs().critical_visibility(fam, PVM, opts)
    povm = PolytopeLhs().critical_visibility(fam, POVM, opts)
    assert pvm.lower_rigor == pvm.upper_rigor == povm.lower_rigor == "certified"
    assert 0 < povm.lower <= pvm.lower <= pvm.upper <= 1 and povm.upper == pvm.upper
    assert certs.check_lhs_certificate(povm.certificates["lhs_model"], fam)[0]


def test_every_lower_end_is_below_every_certified_steerable_visibility(werner_pvm, werner_povm):
    from quantcorr_sdp.lhs import SdpLhs

    lowers = [werner_pvm.lower, werner_povm.lower]
    uppers = [werner_pvm.upper, werner_povm.upper]
    for name in ("octahedron", "icosahedron"):
        opts = PolytopeLhsOptions(polytope=name, hidden="geodesic-42", upper_polytope=name, outer="geodesic-162")
        res = PolytopeLhs().critical_visibility(WERNER, PVM, opts)
        lowers.append(res.lower)
        uppers.append(res.upper)
    finite = SdpLhs().critical_visibility(WERNER, MeasurementSet.from_bloch(np.eye(3)))
    uppers.append(finite.upper)  # 1/sqrt3 with the three Paulis
    assert max(lowers) <= 0.5 <= min(uppers)


def test_perturbed_certificates_are_rejected(werner_pvm):
    lhs = werner_pvm.certificates["lhs_model"]
    ineq = werner_pvm.certificates["steering_inequality"]
    assert certs.check_lhs_certificate(lhs, WERNER)[0] and certs.check_steering_certificate(ineq, WERNER)[0]

    bad = copy.deepcopy(lhs)
    bad["weights"][0] *= 1.001  # the model no longer reproduces the target: margin too small
    ok, why = certs.check_lhs_certificate(bad, WERNER)
    assert not ok and "exceeds" in why
    bad = copy.deepcopy(lhs)
    bad["v_certified"] += 1e-4
    assert not certs.check_lhs_certificate(bad, WERNER)[0]
    bad = copy.deepcopy(lhs)
    bad["hidden_states"][0] = np.diag([1.001, -0.001])  # not a state
    assert not certs.check_lhs_certificate(bad, WERNER)[0]

    bad = copy.deepcopy(ineq)
    bad["v_upper"] -= 1e-3  # below the crossing: the inequality is not violated there
    assert not certs.check_steering_certificate(bad, WERNER)[0]
    bad = copy.deepcopy(ineq)
    bad["outer_vertices"] = bad["outer_vertices"] * 0.99  # no longer contains the Bloch ball
    assert not certs.check_steering_certificate(bad, WERNER)[0]
    bad = copy.deepcopy(ineq)
    bad["F"][0, 0] += 1e-3 * np.eye(2)
    bad["lhs_bound"] = ineq["lhs_bound"]
    assert not certs.check_steering_certificate(bad, WERNER)[0]


@pytest.mark.parametrize("v, verdict", [(0.4, "unsteerable"), (0.6, "steerable"), (0.5, "inconclusive")])
def test_certify_at_a_visibility(v, verdict):
    res = PolytopeLhs().certify(SteeringTarget(werner(v), PVM), PolytopeLhsOptions(**SMALL))
    assert res.verdict.value == verdict
    assert (res.rigor and res.rigor.value) == (None if verdict == "inconclusive" else "certified")


def test_qutrit_bob():
    """Qubit Alice, qutrit Bob: sampled hidden states below, the sdp-lhs inequality above."""
    psi = np.zeros(6)
    psi[0] = psi[4] = 1 / np.sqrt(2)  # (|0,0> + |1,1>)/sqrt2 in C^2 (x) C^3
    fam = VisibilityFamily(State(np.outer(psi, psi), (2, 3), "qubit-qutrit"))
    opts = PolytopeLhsOptions(polytope="geodesic-42", samples=60, upper_polytope="icosahedron")
    res = PolytopeLhs().critical_visibility(fam, PVM, opts)
    assert res.lower_rigor == res.upper_rigor == "certified"
    assert 0 < res.lower <= res.upper <= 1


def test_cli_threshold_json_has_both_certificates():
    from click.testing import CliRunner

    from quantcorr.cli.main import cli

    args = ["threshold", "--solver", "polytope-lhs", "--state", "werner", "--measurements", "pvm"]
    small = [x for k, val in SMALL.items() for x in (f"--{k.replace('_', '-')}", val)]
    out = CliRunner().invoke(cli, args + ["--json", "-"] + small)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["lower"] <= 0.5 <= data["upper"]
    assert data["lower_rigor"] == data["upper_rigor"] == "certified"
    assert {"lhs_model", "steering_inequality"} <= set(data["certificates"])
    text = CliRunner().invoke(cli, args + small)
    assert text.exit_code == 0 and "width" in text.output
    part = CliRunner().invoke(cli, ["threshold", "--solver", "polytope-lhs", "--state", "partially_entangled",
                                    "--param", "theta=0.3", "--measurements", "povm", "--json", "-"] + small)
    assert part.exit_code == 0, part.output
    assert json.loads(part.output)["lower"] <= json.loads(part.output)["upper"]


# ------------------------------------------------------------------ issues 10, 17, 18

def test_wide_bracket_has_no_estimate(werner_povm):
    res = werner_povm  # about [0.23, 0.51]: its midpoint says nothing about the threshold
    assert res.estimate is None and res.quantities["midpoint"] == pytest.approx(0.5 * (res.lower + res.upper))
    assert "no estimate" in res.message


def test_narrow_bracket_estimate_is_the_labelled_midpoint(monkeypatch):
    import quantcorr_sdp.polytope as poly

    monkeypatch.setattr(poly, "ESTIMATE_MAX_WIDTH", 0.2)
    res = PolytopeLhs().critical_visibility(WERNER, PVM, PolytopeLhsOptions(**SMALL))
    assert res.estimate == pytest.approx(0.5 * (res.lower + res.upper)) and "midpoint" in res.message


def test_werner_povm_skips_the_lp_equal_to_the_pvm_lp(werner_povm):
    """Bob's marginal is I/2: the xi = I/2 POVM LP is the PVM LP at 2v, so it is not solved."""
    assert werner_povm.quantities["skipped_lps"] and "v_solver_povm" not in werner_povm.quantities
    assert werner_povm.lower == pytest.approx(werner_povm.quantities["half_mixing_value"])


def test_family_without_threshold():
    """werner(0.3) mixed with noise is werner(0.3 v): certified LHS up to v = 1, so no threshold."""
    res = PolytopeLhs().critical_visibility(VisibilityFamily(werner(0.3)), PVM, PolytopeLhsOptions(**SMALL))
    assert res.lower == 1.0 and res.estimate is None and res.upper is None
    assert res.lower_rigor == "certified" and "no threshold up to v=1" in res.message


def test_default_polytope_by_trusted_dimension():
    from quantcorr.states import isotropic

    opts = PolytopeLhsOptions()
    resolved = [PolytopeLhs.resolved(opts, VisibilityFamily(s)) for s in
                (partially_entangled(np.pi / 8), isotropic(3), isotropic(4))]
    assert [o.polytope for o in resolved] == ["geodesic-642", "geodesic-162", "geodesic-42"]
    assert [o.upper_polytope for o in resolved] == ["geodesic-162", "icosahedron", "icosahedron"]
    assert PolytopeLhs.resolved(PolytopeLhsOptions(polytope="cube"), VisibilityFamily(isotropic(3))).polytope == "cube"
    # the icosahedral symmetry of Werner's LPs buys finer default sets; --symmetry off keeps the plain ones
    sym = PolytopeLhs.resolved(opts, WERNER)
    assert (sym.polytope, sym.hidden, sym.upper_polytope) == ("geodesic:16", "geodesic:16", "geodesic-642")
    plain = PolytopeLhs.resolved(PolytopeLhsOptions(symmetry="off"), WERNER)
    assert (plain.polytope, plain.hidden, plain.upper_polytope) == ("geodesic-642", "geodesic-162", "geodesic-162")
    assert PolytopeLhs.resolved(PolytopeLhsOptions(hidden="geodesic-42"), WERNER).hidden == "geodesic-42"


@pytest.mark.parametrize("field, value", [("tol", float("nan")), ("tol", 0.0), ("tol", 0.5), ("samples", 0),
                                          ("seed", -1), ("method", "qp"), ("xi", "one")])
def test_impossible_options_are_refused(field, value):
    from quantcorr.errors import OptionError

    with pytest.raises(OptionError):
        PolytopeLhsOptions(**{field: value})


def test_cli_tol_nan_exits_2():
    from click.testing import CliRunner

    from quantcorr.cli.main import cli

    res = CliRunner().invoke(cli, ["certify", "--solver", "polytope-lhs", "--state", "werner", "--measurements",
                                   "pvm", "--tol", "nan"])
    assert res.exit_code == 2 and "--tol" in res.output and "Traceback" not in res.output


def test_progress_on_a_terminal_only(monkeypatch, capsys):
    import sys

    PolytopeLhs().critical_visibility(WERNER, PVM, PolytopeLhsOptions(**SMALL))
    assert "polytope-lhs:" not in capsys.readouterr().err  # not a terminal: silent
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    PolytopeLhs().critical_visibility(WERNER, PVM, PolytopeLhsOptions(**SMALL))
    err = capsys.readouterr().err
    assert "lower end: LHS model on 21 directions" in err and "upper end" in err


def test_cutting_planes_tighten_the_upper_end(werner_pvm):
    from quantcorr_sdp.directions import hull_inradius, refine_tangents, tangent_vertices

    t = directions_from_spec("icosahedron")
    tangents = np.vstack([t, -t])
    vert = tangent_vertices(tangents)
    assert hull_inradius(vert) >= 1 and len(vert) == 20  # the dodecahedron around the ball
    finer = tangent_vertices(refine_tangents(tangents, lambda n: n[:, 2], 3))
    assert hull_inradius(finer) >= 1 and np.max(finer[:, 2]) < np.max(vert[:, 2])
    opts = PolytopeLhsOptions(**{**SMALL, "outer_rounds": 2, "outer_batch": 40})
    res = PolytopeLhs().critical_visibility(WERNER, PVM, opts)
    ineq = res.certificates["steering_inequality"]
    assert 0.5 <= res.upper < werner_pvm.upper and certs.check_steering_certificate(ineq, WERNER)[0]
    bad = copy.deepcopy(ineq)  # one half of a symmetric polytope: its symmetrisation would contain the ball
    bad["outer_vertices"] = bad["outer_vertices"][bad["outer_vertices"][:, 2] > -0.2]
    assert not certs.check_steering_certificate(bad, WERNER)[0]
