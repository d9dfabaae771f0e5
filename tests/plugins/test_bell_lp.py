"""Solver `bell-lp`: local-polytope membership, certificates and thresholds (plugin quantcorr_npa)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as hs

from quantcorr.certifier import Certificate
from quantcorr.cli.main import cli
from quantcorr.correlations import Behaviour, deterministic_points, pr_box, white_noise
from quantcorr.errors import ProblemTooLargeError, QuantcorrError
from quantcorr.testing import check_certifier, check_declared_targets
from quantcorr.threshold import TargetFamily
from quantcorr_npa.bell_lp import BellLp, verify_bell_certificate, verify_local_certificate
from quantcorr_npa.local_lp import strategy_matrix
from quantcorr_npa.targets import i3322_qubit

R = 2 ** -0.5
TSIRELSON = Behaviour.from_chsh(np.array([0, 0, 0, 0, 1, 1, 1, -1]) * R)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_pr_box_nonlocal_certified():
    res = BellLp().certify(pr_box())
    assert res.verdict.value == "nonlocal" and res.rigor.value == "certified"
    ok, why = verify_bell_certificate(pr_box(), res.certificate)
    assert ok, why


def test_tsirelson_point_nonlocal():
    res = BellLp().certify(TSIRELSON)
    assert res.verdict.value == "nonlocal" and res.rigor.value == "certified"
    assert res.quantities["bell_value"] > res.quantities["local_bound"]


def test_deterministic_point_local_with_weights():
    point = deterministic_points()[6]
    res = BellLp().certify(point)
    assert res.verdict.value == "local" and res.rigor.value == "solver-tolerance"
    w = np.asarray(res.certificate.data["weights"])
    assert w.min() >= 0 and abs(w.sum() - 1) < 1e-12
    assert np.abs(strategy_matrix((2, 2), (2, 2)) @ w - point.p.ravel()).max() < 1e-8
    assert verify_local_certificate(point, res.certificate)[0]


def test_perturbed_certificates_rejected():
    cert = BellLp().certify(pr_box()).certificate
    data = cert.data
    c = np.array(data["coefficients"])
    c2 = c.copy()
    c2[0, 0, 0, 0] += 0.5  # raises the true local bound above the stated one
    for bad in (dict(data, local_bound=data["local_bound"] - 0.1), dict(data, coefficients=c2),
                dict(data, value=data["value"] + 0.1)):
        assert not verify_bell_certificate(pr_box(), Certificate("bell-inequality", bad))[0]
    # a true inequality that the behaviour does not violate
    assert not verify_bell_certificate(pr_box(0.4), cert)[0]
    local = BellLp().certify(deterministic_points()[6]).certificate
    w = np.array(local.data["weights"])
    w = np.roll(w, 1)
    assert not verify_local_certificate(deterministic_points()[6], Certificate("local-model", {"weights": w}))[0]


def test_threshold_pr_box_one_half():
    res = BellLp().critical_visibility(TargetFamily(pr_box()))
    assert abs(res.estimate - 0.5) < 1e-6 and abs(res.lower - 0.5) < 1e-6 and abs(res.upper - 0.5) < 1e-6
    assert res.upper_rigor == "certified" and res.lower_rigor == "solver-tolerance"


def test_threshold_werner_optimal_settings_via_cli(registered):
    res = invoke("threshold", "--solver", "bell-lp", "--state", "werner", "--measurements", "bloch:0,0,1;1,0,0",
                 "--bob-measurements", f"bloch:{-R},0,{-R};{R},0,{-R}", "--json", "-")
    assert res.exit_code == 0, res.output
    assert abs(json.loads(res.output)["estimate"] - R) < 1e-6


def test_scenarios_3322_and_2233():
    res = BellLp().critical_visibility(TargetFamily(i3322_qubit()))
    assert abs(res.estimate - 0.8) < 1e-6 and abs(res.upper - 0.8) < 1e-6
    assert BellLp().certify(i3322_qubit()).verdict.value == "nonlocal"
    rng = np.random.default_rng(0)
    pts = deterministic_points((2, 2), (3, 3))
    w = rng.dirichlet(np.ones(len(pts)))
    mix = Behaviour(sum(wi * d.p for wi, d in zip(w, pts)))
    assert BellLp().certify(mix).verdict.value == "local"
    p = np.zeros((2, 2, 3, 3))
    for x in range(2):
        for y in range(2):
            for a in range(3):
                p[x, y, a, (a - x * y) % 3] = 1 / 3
    res = BellLp().certify(Behaviour(p))
    assert res.verdict.value == "nonlocal" and verify_bell_certificate(Behaviour(p), res.certificate)[0]


@settings(max_examples=25, deadline=None)
@given(hs.integers(0, 2 ** 31 - 1))
def test_2222_verdict_matches_the_chsh_inequalities(seed):
    """Fine's theorem: in 2222 a behaviour is local iff all eight CHSH inequalities hold."""
    rng = np.random.default_rng(seed)
    while True:
        coords = rng.uniform(-1, 1, 8) * rng.uniform(0.3, 1.0)
        try:
            b = Behaviour.from_chsh(coords)
            break
        except QuantcorrError:
            continue
    e = coords[4:]
    chsh = max(abs(e.sum() - 2 * e[k]) for k in range(4))
    if abs(chsh - 2) < 1e-6:
        return
    res = BellLp().certify(b)
    assert res.verdict.value == ("local" if chsh < 2 else "nonlocal"), (coords, chsh)


def test_too_many_strategies(registered):
    with pytest.raises(ProblemTooLargeError, match="deterministic strategies"):
        BellLp().certify(white_noise((9, 9), (2, 2)))
    res = invoke("certify", "--solver", "bell-lp", "--behaviour", "white-noise", "--param", "settings=9,9")
    assert res.exit_code == 2 and "262144 deterministic strategies" in res.output
    assert len(res.output.strip().splitlines()) == 1


@pytest.mark.parametrize("spec", ["chsh:0,0,0,0,1,1,1,-3", "chsh:1,2", "no-such-behaviour"])
def test_bad_behaviours_one_line(registered, spec):
    res = invoke("certify", "--solver", "bell-lp", "--behaviour", spec)
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output


def test_signalling_file_one_line(registered, tmp_path):
    p = white_noise().p.copy()
    p[0, 0] = [[0.5, 0.0], [0.0, 0.5]]
    p[0, 1] = [[0.5, 0.5], [0.0, 0.0]]  # Alice's marginal depends on y
    path = tmp_path / "signal.npy"
    np.save(path, p)
    res = invoke("certify", "--solver", "bell-lp", "--behaviour", path)
    assert res.exit_code == 2 and "signal" in res.output and len(res.output.strip().splitlines()) == 1


def test_conformance(registered):
    check_certifier(BellLp, [pr_box(), TSIRELSON, deterministic_points()[0], white_noise((3, 3), (2, 2))])
    check_declared_targets("bell-lp")
