"""Solver `npa`, `quantcorr bell-max` and the batched membership API (plugin quantcorr_npa)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as hs

from quantcorr.certifier import Certificate
from quantcorr.cli.main import cli
from quantcorr.correlations import Behaviour, deterministic_points, pr_box, white_noise
from quantcorr.errors import DimensionError, OptionError, ProblemTooLargeError
from quantcorr.testing import check_certifier, check_declared_targets
from quantcorr.threshold import TargetFamily
from quantcorr_npa.batched import NpaBatch, _ns_scaling
from quantcorr_npa.functionals import chsh_functional, i3322_functional, local_bound
from quantcorr_npa.npa import Npa, NpaOptions, verify_npa_certificate
from quantcorr_npa.sdp import max_functional, max_visibility, structure
from quantcorr_npa.targets import i3322_qubit
from quantcorr_npa.tlm import tlm_slack
from quantcorr_npa.words import moment_structure

R = 2 ** -0.5
TSIRELSON = Behaviour.from_chsh(np.array([0, 0, 0, 0, 1, 1, 1, -1]) * R)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def random_ns_points(n, rng):
    pts = rng.uniform(-1, 1, (40 * n, 8))
    return pts[_ns_scaling(pts) >= 1][:n]


# ------------------------------------------------------------------ bell-max
def test_bell_max_chsh_local_2_and_level1_tsirelson(registered):
    res = invoke("bell-max", "--expression", "chsh", "--level", "1", "--json", "-")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert abs(rep["local_bound"] - 2) < 1e-12
    assert abs(rep["npa_value"] - 2 * np.sqrt(2)) < 1e-6
    assert 2 * np.sqrt(2) - 1e-9 <= rep["npa_upper_bound"] < 2 * np.sqrt(2) + 1e-6


def test_bell_max_file_and_text_output(registered, tmp_path):
    path = tmp_path / "chsh.json"
    path.write_text(json.dumps({"coefficients": chsh_functional().tolist()}))
    res = invoke("bell-max", "-e", path, "--level", "1+AB")
    assert res.exit_code == 0, res.output
    assert "local bound          2" in res.output and "2.82842" in res.output


def test_i3322_level2_between_qubit_value_and_published_maximum():
    value, upper, _ = max_functional(structure((3, 3), (2, 2), "2"), i3322_functional())
    assert 0.25 <= value <= 0.2510 and value <= upper <= 0.2510
    assert abs(local_bound(i3322_functional())) < 1e-12
    assert abs((i3322_functional() * i3322_qubit().p).sum() - 0.25) < 1e-12


@pytest.mark.parametrize("args, needle", [
    (("-e", "nosuchfile.npy"), "not chsh, i3322"),
    (("-e", "chsh", "--level", "4"), "Invalid value"),
])
def test_bell_max_bad_input_one_line(registered, args, needle):
    res = invoke("bell-max", *args)
    assert res.exit_code == 2 and needle in res.output and "Traceback" not in res.output


def test_bell_max_bad_file_shape(registered, tmp_path):
    path = tmp_path / "bad.npy"
    np.save(path, np.ones((2, 2, 2)))
    res = invoke("bell-max", "-e", path)
    assert res.exit_code == 2 and "4 axes" in res.output and len(res.output.strip().splitlines()) == 1


# ------------------------------------------------------------------ the npa solver
def test_pr_box_not_quantum_certified_and_certificate_rechecks():
    res = Npa().certify(pr_box())
    assert res.verdict.value == "not-quantum" and res.rigor.value == "certified"
    ok, why = verify_npa_certificate(pr_box(), res.certificate)
    assert ok, why
    # the certificate is about the PR box, not about the Tsirelson point (quantum)
    assert not verify_npa_certificate(TSIRELSON, res.certificate)[0]


def test_perturbed_npa_certificates_are_rejected():
    res = Npa().certify(pr_box())
    data = res.certificate.data
    bad_bound = dict(data, quantum_bound=data["quantum_bound"] - 0.05)
    c = np.array(data["coefficients"])
    c[0, 0, 0, 0] += 0.1
    bad_coef = dict(data, coefficients=c)
    bad_value = dict(data, value=data["value"] + 0.01)
    Y = np.array(data["dual_matrix"])
    bad_dual = dict(data, dual_matrix=Y - 10 * np.eye(len(Y)))  # a valid but useless (non-violated) bound
    for bad in (bad_bound, bad_coef, bad_value, bad_dual):
        assert not verify_npa_certificate(pr_box(), Certificate("npa-dual", bad))[0]


def test_tsirelson_point_quantum_by_tlm():
    res = Npa().certify(TSIRELSON)
    assert res.verdict.value == "quantum" and res.rigor.value == "certified"
    assert res.certificate.kind == "tlm" and "TLM" in res.message


def test_inside_npa_without_exact_criterion_is_inconclusive():
    b = Behaviour.from_chsh([0.1, 0, 0, 0, 0.6, 0.6, 0.6, -0.6])  # marginals: TLM does not apply; nonlocal
    res = Npa().certify(b)
    assert res.verdict.value == "inconclusive" and res.quantities["npa_level"] == "1+AB"


def test_local_point_is_quantum_with_local_model():
    res = Npa().certify(deterministic_points()[3])
    assert res.verdict.value == "quantum" and res.rigor.value == "solver-tolerance"
    assert res.certificate.kind == "local-model"


@pytest.mark.parametrize("level", ["1", "1+AB", "2"])
def test_threshold_pr_box_is_one_over_sqrt2(level):
    res = Npa().critical_visibility(TargetFamily(pr_box()), options=NpaOptions(level=level))
    assert abs(res.estimate - R) < 1e-6 and abs(res.upper - R) < 1e-6 and abs(res.lower - R) < 1e-6
    assert res.lower <= R <= res.upper + 1e-12  # lower (TLM) and upper (dual) are both certified
    assert res.lower_rigor == res.upper_rigor == "certified"


def test_threshold_via_cli(registered):
    res = invoke("threshold", "--solver", "npa", "--behaviour", "pr-box", "--level", "1", "--json", "-")
    assert res.exit_code == 0, res.output
    assert abs(json.loads(res.output)["estimate"] - R) < 1e-6


def test_certify_via_cli_and_bad_behaviour(registered):
    res = invoke("certify", "--solver", "npa", "--behaviour", "pr-box", "--json", "-")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["verdict"] == "not-quantum"
    bad = invoke("certify", "--solver", "npa", "--behaviour", "chsh:0,0,0,0,1,1,1,-3")
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1


def test_scenarios_3322_and_2233():
    res = Npa().certify(i3322_qubit())  # qubit behaviour: inside every level, not exact -> inconclusive
    assert res.verdict.value == "inconclusive"
    p = np.zeros((2, 2, 3, 3))  # a 2233 "PR box": a - b = x y (mod 3), uniform
    for x in range(2):
        for y in range(2):
            for a in range(3):
                p[x, y, a, (a - x * y) % 3] = 1 / 3
    res = Npa().certify(Behaviour(p), NpaOptions(level="1"))
    assert res.verdict.value == "not-quantum" and res.rigor.value == "certified"
    assert verify_npa_certificate(Behaviour(p), res.certificate)[0]


def random_qubit_behaviour(rng, settings=(2, 2)):
    """A behaviour of a random pure two-qubit state and random projective qubit measurements."""
    from quantcorr.measurements import MeasurementSet
    from quantcorr.states import State

    psi = rng.normal(size=4) + 1j * rng.normal(size=4)
    psi /= np.linalg.norm(psi)
    state = State(np.outer(psi, psi.conj()), (2, 2), "random")
    a, b = (MeasurementSet.from_bloch(rng.normal(size=(m, 3))) for m in settings)
    return Behaviour.from_state(state, a, b)


@settings(max_examples=8, deadline=None)
@given(hs.integers(0, 2 ** 31 - 1))
def test_quantum_behaviours_are_never_not_quantum_and_obey_certified_bounds(seed):
    rng = np.random.default_rng(seed)
    q = random_qubit_behaviour(rng)
    assert Npa().certify(q).verdict.value != "not-quantum"
    data = Npa().certify(pr_box(0.8)).certificate.data  # a certified quantum bound
    assert (np.asarray(data["coefficients"]) * q.p).sum() <= data["quantum_bound"] + 1e-9
    q3 = random_qubit_behaviour(rng, (3, 3))
    assert Npa().certify(q3, NpaOptions(level="1")).verdict.value != "not-quantum"


def test_size_limits_and_level_option():
    with pytest.raises(ProblemTooLargeError, match="use a lower --level"):
        structure((6, 6), (4, 4), "3")
    with pytest.raises(OptionError):
        NpaOptions(level="4")


def test_conformance(registered):
    check_certifier(Npa, [pr_box(), TSIRELSON, white_noise((3, 3), (2, 2)), pr_box(0.6)])
    check_declared_targets("npa")


# ------------------------------------------------------------------ moments and the batched API
def test_moment_structures():
    st = moment_structure((2, 2), (2, 2), "1+AB", "involution")
    assert st.size == 9 and st.n_free == 8 and (np.diag(st.index) == 0).all()
    assert moment_structure((3, 3), (2, 2), "2").size == 28


@settings(max_examples=20, deadline=None)
@given(hs.integers(0, 2 ** 31 - 1), hs.sampled_from([(2, 2, 2, 2), (2, 3, 2, 2), (2, 2, 3, 2), (3, 2, 2, 3)]))
def test_local_bound_equals_enumeration(seed, shape):
    c = np.random.default_rng(seed).normal(size=shape)
    brute = max((c * d.p).sum() for d in deterministic_points(shape[:2], shape[2:]))
    assert abs(local_bound(c) - brute) < 1e-9


def test_batch_agrees_with_single_point_solver():
    rng = np.random.default_rng(3)
    pts = random_ns_points(12, rng)
    pts = np.concatenate([pts, [[0, 0, 0, 0, 1, 1, 1, -1.0]], [[0, 0, 0, 0, 0.7, 0.7, 0.7, -0.7]]])
    batch = NpaBatch("1+AB", 8)
    inside = batch.contains(pts)
    st = structure((2, 2), (2, 2), "1+AB")
    noise = white_noise().p
    for point, flag in zip(pts, inside):
        v, _, _ = max_visibility(st, Behaviour.from_chsh(point).p, noise, 2.0)
        if abs(v - 1) > 1e-6:
            assert flag == (v > 1), (point, v)
    assert not inside[-2] and inside[-1]


@pytest.mark.parametrize("level", ["1+AB", "2"])
def test_batch_pm_form_matches_collins_gisin_form(level):
    """The +-1 moment matrix of the batch and the projector form of the solver give one set."""
    rng = np.random.default_rng(11)
    u = np.concatenate([random_ns_points(4, rng), [[0.3, 0.1, 0.25, 0.05, 0.5, 0.5, 0.5, -0.5]]])
    lam = NpaBatch(level, 8).max_scaling(u)
    st = structure((2, 2), (2, 2), level)
    v = [max_visibility(st, Behaviour.from_chsh(x).p, white_noise().p, 10.0)[0] for x in u]
    assert np.abs(lam - np.array(v)).max() < 1e-5


def test_batch_max_scaling_brackets_tsirelson_and_tlm():
    lo, hi = NpaBatch("1+AB", 4).max_scaling_bracket(np.array([[1, 1, 1, -1.0], [1, 0, 0, 0]]))
    assert lo[0] <= R <= hi[0] and hi[0] - lo[0] < 1e-6
    assert abs(lo[1] - 1) < 1e-6  # (1, 0, 0, 0) is local: the bound comes from NS
    rng = np.random.default_rng(5)
    E = rng.uniform(-1, 1, (300, 4))
    inside = NpaBatch("1", 4).contains(E)
    slack = tlm_slack(E)
    clear = np.abs(slack) > 1e-6
    assert np.array_equal(inside[clear], (slack >= 0)[clear])


def test_batch_progress_and_bad_input():
    seen = []
    NpaBatch("1", 8).contains(np.zeros((3, 8)), progress=seen.append)
    assert seen and seen[-1] == 3
    with pytest.raises(DimensionError):
        NpaBatch("1+AB", 8).contains(np.zeros((3, 4)))
    with pytest.raises(OptionError):
        NpaBatch("5", 8)
