"""sdp-lhs: LHS SDPs against analytic thresholds, certificate re-checks, CLI and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from math import sqrt

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("cvxpy")

from quantcorr.assemblage import Assemblage  # noqa: E402
from quantcorr.certifier import Result, SteeringTarget, Verdict  # noqa: E402
from quantcorr.errors import UnsupportedTargetError  # noqa: E402
from quantcorr.measurements import MeasurementSet, MeasurementSpace, POVM, measurements_from_spec, mubs  # noqa: E402
from quantcorr.states import from_array, ghz, isotropic, product, werner  # noqa: E402
from quantcorr.threshold import ThresholdResult, VisibilityFamily  # noqa: E402
from quantcorr_sdp import sdp_core as core  # noqa: E402
from quantcorr_sdp.lhs import SdpLhs  # noqa: E402
from quantcorr_sdp.lhs_program import program as _program  # noqa: E402

SOLVER = SdpLhs()


def threshold(state, spec, **opts) -> ThresholdResult:
    return SOLVER.critical_visibility(VisibilityFamily(state), measurements_from_spec(spec, state.dims[0]),
                                      SdpLhs.Options(**opts))


def certify(state, spec, **opts) -> Result:
    return SOLVER.certify(SteeringTarget(state, measurements_from_spec(spec, state.dims[0])), SdpLhs.Options(**opts))


def assert_bracket(res: ThresholdResult, exact: float | None = None, tol: float = 1e-5) -> None:
    assert res.lower is not None and res.upper is not None, res.message
    assert res.lower <= res.upper and res.upper - res.lower < tol
    assert (res.lower_rigor, res.upper_rigor) == ("solver-tolerance", "certified")
    if exact is not None:
        assert abs(res.estimate - exact) < tol and abs(res.upper - exact) < tol and abs(res.lower - exact) < tol


# ------------------------------------------------------------------ analytic thresholds

@pytest.mark.parametrize("spec, exact", [("xz", 1 / sqrt(2)), ("paulis", 1 / sqrt(3))])
def test_cli_threshold_werner(spec, exact):
    from quantcorr.cli.main import cli

    res = CliRunner().invoke(cli, ["threshold", "--solver", "sdp-lhs", "--state", "werner", "--measurements", spec,
                                   "--json", "-"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {"estimate", "lower", "upper", "method"} <= set(doc)
    assert abs(doc["estimate"] - exact) < 1e-5 and abs(doc["upper"] - exact) < 1e-5
    assert doc["lower"] <= doc["upper"] and doc["upper_rigor"] == "certified"


@pytest.mark.parametrize("spec, exact", [("xz", 1 / sqrt(2)), ("paulis", 1 / sqrt(3)), ("mubs", 1 / sqrt(3))])
def test_werner_thresholds_in_python(spec, exact):
    res = threshold(werner(), spec)
    assert_bracket(res, exact)
    cert = res.certificates["steering_inequality"]
    assert cert["F"].shape == measurements_from_spec(spec, 2).elements.shape
    assert cert["lhs_bound"] == pytest.approx(core.lhs_bound(cert["F"]))
    assert res.certificates["lhs_model"]["residual"] < 1e-6


def test_isotropic_mubs_thresholds_fast_and_decreasing():
    d, values = 3, []
    for k in (2, 3, 4):
        start = time.perf_counter()
        res = threshold(isotropic(3), f"mubs:{k}")
        assert time.perf_counter() - start < 10
        assert_bracket(res)
        values.append(res.estimate)
    assert 0 < values[2] < values[1] < values[0] < 1
    # two MUBs: sum_x tr(P_{a|x} sigma_{a|x}) has LHS bound 1 + 1/sqrt(d), which v + (1-v)/d per setting
    # exceeds iff v > (d + sqrt(d) - 2) / (2 (d - 1)) (equals 1/sqrt(2) for d = 2)
    assert values[0] == pytest.approx((d + sqrt(d) - 2) / (2 * (d - 1)), abs=1e-6)


def test_dodecahedron_between_paulis_and_all_pvms():
    res = threshold(werner(), "dodecahedron")
    assert_bracket(res)
    assert res.quantities["n_strategies"] == 1024
    assert 0.5 < res.estimate < 1 / sqrt(3)


def test_no_steering_in_the_family():
    """Issue 18 item 2: unsteerable at every v -> no estimate, lower = 1, an explicit message."""
    res = SOLVER.critical_visibility(VisibilityFamily(product(2)), measurements_from_spec("paulis", 2))
    assert res.estimate is None and res.upper is None and res.lower == 1.0
    assert res.lower_rigor == "solver-tolerance" and "no threshold up to v=1" in res.message


# ------------------------------------------------------------------ certify

def test_cli_certify_either_side_of_xz_threshold(tmp_path):
    from quantcorr.cli.main import cli

    runner, docs = CliRunner(), {}
    for v in ("0.70", "0.72"):
        path = tmp_path / f"r{v}.json"
        res = runner.invoke(cli, ["certify", "--solver", "sdp-lhs", "--state", "werner", "-p", f"v={v}",
                                  "--measurements", "xz", "--json", str(path)])
        assert res.exit_code == 0, res.output
        docs[v] = json.loads(path.read_text())
    assert docs["0.70"]["verdict"] == "unsteerable" and docs["0.70"]["certificate"]["kind"] == "lhs-model"
    assert docs["0.72"]["verdict"] == "steerable" and docs["0.72"]["rigor"] == "certified"
    cert = Result.from_json(docs["0.72"]).certificate
    assert cert.kind == "steering-inequality" and cert.data["value"] > cert.data["lhs_bound"]
    sigma = SteeringTarget(werner(0.72), measurements_from_spec("xz", 2)).assemblage().sigma
    assert core.check_steering_inequality(cert.data["F"], sigma, 1, cert.data["lhs_bound"])[0]


def test_separable_unsteerable_with_zero_robustness():
    for state in (werner(0.3), product(2)):
        res = certify(state, "paulis")
        assert res.verdict == Verdict.UNSTEERABLE and res.rigor.value == "solver-tolerance"
        assert res.quantities["generalized_robustness"] < 1e-6 and res.quantities["steering_weight"] < 1e-6
        data = res.certificate.data
        strat = core.strategy_matrix(1, 3, 2)[1][:, 0, :]
        assert np.array_equal(data["strategies"], strat) and data["residual"] < 1e-6
        assert np.linalg.eigvalsh(data["hidden_states"]).min() > -1e-12


def test_steerable_has_positive_quantities():
    res = certify(werner(0.9), "paulis")
    assert res.verdict == Verdict.STEERABLE and res.value == res.quantities["generalized_robustness"] > 0.1
    assert 0 < res.quantities["steering_weight"] <= 1
    # the dual of the robustness SDP: value = 1 + robustness
    assert res.certificate.data["value"] == pytest.approx(1 + res.value, abs=1e-6)


def test_forged_inequalities_are_rejected():
    ms = measurements_from_spec("paulis", 2)
    sigma = SteeringTarget(werner(0.9), ms).assemblage().sigma
    data = certify(werner(0.9), "paulis").certificate.data
    F, bound = data["F"], data["lhs_bound"]
    assert core.check_steering_inequality(F, sigma, 1, bound)[0]
    assert not core.check_steering_inequality(F, sigma, 1, bound - 0.05)[0]  # understated bound
    assert not core.check_steering_inequality(3 * F, sigma, 1, bound)[0]  # scaled, stale bound
    shifted = F.copy()
    shifted[0] += 0.5 * np.eye(2)  # every outcome of setting 0: value and bound both rise by 0.5
    assert not core.check_steering_inequality(shifted, sigma, 1, bound)[0]
    assert core.check_steering_inequality(shifted, sigma, 1)[0]  # still valid with its own bound
    lhs_sigma = SteeringTarget(werner(0.5), ms).assemblage().sigma
    assert not core.check_steering_inequality(F, lhs_sigma, 1)[0]  # no violation on an LHS assemblage
    assert not core.check_steering_inequality(F[:, :1], sigma, 1)[0]  # wrong shape


def test_exact_lhs_bound_of_pauli_projectors():
    F = measurements_from_spec("paulis", 2).elements  # sum over one projector per axis
    assert core.lhs_bound(F) == pytest.approx((3 + sqrt(3)) / 2, abs=1e-12)


def test_result_and_threshold_json_round_trip():
    for res in (certify(werner(0.5), "xz"), certify(werner(0.8), "xz")):
        data = json.loads(json.dumps(res.to_json()))
        assert Result.from_json(data).to_json() == data
    thr = threshold(werner(), "xz")
    data = json.loads(json.dumps(thr.to_json()))
    back = ThresholdResult.from_json(data)
    assert back.upper == thr.upper and np.allclose(back.certificates["steering_inequality"]["F"],
                                                   thr.certificates["steering_inequality"]["F"])


# ------------------------------------------------------------------ other targets

def test_assemblage_target_and_unequal_dimensions():
    rng = np.random.default_rng(1)
    psi = rng.normal(size=6) + 1j * rng.normal(size=6)
    state = from_array(np.outer(psi, psi.conj()) / np.vdot(psi, psi).real, (3, 2))
    asm = Assemblage(np.array(SteeringTarget(state, mubs(3, 2)).assemblage().sigma))  # a user's array
    res = SOLVER.certify(asm)
    assert res.verdict == Verdict.STEERABLE and res.certificate.data["F"].shape == (2, 3, 2, 2)
    assert_bracket(SOLVER.critical_visibility(VisibilityFamily(state), mubs(3, 2)))


def test_two_steering_parties_and_padded_outcomes():
    ms = measurements_from_spec("xz", 2)
    assert SOLVER.certify(SteeringTarget(ghz(3, 0.3), ms)).verdict == Verdict.UNSTEERABLE
    res = SOLVER.certify(SteeringTarget(ghz(3, 0.9), ms))
    assert res.verdict == Verdict.STEERABLE and res.certificate.data["F"].shape == (2, 2, 2, 2, 2, 2)
    assert_bracket(SOLVER.critical_visibility(VisibilityFamily(ghz(3)), ms))
    trine = [(np.eye(2) + np.cos(t) * np.diag([1, -1]) + np.sin(t) * np.array([[0, 1], [1, 0]])) / 3
             for t in 2 * np.pi * np.arange(3) / 3]
    z = np.array([np.diag([1.0, 0]), np.diag([0, 1.0])])
    mixed = MeasurementSet((POVM(np.array(trine)), POVM(z)), "trine+z")  # z padded to 3 outcomes
    res = SOLVER.critical_visibility(VisibilityFamily(werner()), mixed)
    assert_bracket(res)
    assert 0 < res.estimate < 1 and res.quantities["n_strategies"] == 9


def test_continuous_family_is_not_supported():
    assert not SOLVER.supports(SteeringTarget(werner(0.5), MeasurementSpace("pvm", 2)))
    with pytest.raises(UnsupportedTargetError):
        SOLVER.critical_visibility(VisibilityFamily(werner()), MeasurementSpace("pvm", 2))


# ------------------------------------------------------------------ solvers

def test_scs_gives_the_same_threshold():
    from quantcorr.cli.main import cli

    res = CliRunner().invoke(cli, ["threshold", "--solver", "sdp-lhs", "--state", "werner", "--measurements", "paulis",
                                   "--json", "-", "--sdp-solver", "scs"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["quantities"]["sdp_solver"] == "scs" and abs(doc["estimate"] - 1 / sqrt(3)) < 1e-5


def test_cvxpy_route_matches_direct_clarabel():
    """The MOSEK route goes through cvxpy; run it with Clarabel and compare primal and duals."""
    ms = mubs(3, 2)
    s1 = SteeringTarget(isotropic(3), ms).assemblage().sigma
    s0 = SteeringTarget(isotropic(3, 0.0), ms).assemblage().sigma
    D, _ = core.strategy_matrix(1, 2, 3)
    for kind in ("critical", "robustness"):
        prog = _program(D, 3, kind, s1, s0)
        a, b = core._solve_clarabel(prog, 1e-9), core._solve_cvxpy(prog, "CLARABEL")
        assert a.ok and b.ok and prog.c @ a.x == pytest.approx(prog.c @ b.x, abs=1e-7)
        assert np.allclose(a.y_eq, b.y_eq, atol=1e-5) and np.allclose(a.W, b.W, atol=1e-5)


def test_fallback_chain_and_honest_failure(monkeypatch):
    def broken(prog, tol):
        return core.Solution("inaccurate", "clarabel", attempts=["clarabel: AlmostSolved"])

    monkeypatch.setattr(core, "_solve_clarabel", broken)
    monkeypatch.setattr(core, "mosek_importable", lambda: False)
    res = threshold(werner(), "xz")
    assert res.quantities["sdp_solver"] == "scs" and abs(res.estimate - 1 / sqrt(2)) < 1e-5

    def failing(prog, tol):
        raise RuntimeError("numerical breakdown")

    monkeypatch.setattr(core, "_solve_scs", failing)
    res = certify(werner(0.9), "xz")
    assert res.verdict in (Verdict.INCONCLUSIVE, Verdict.FAILED) and res.rigor is None
    assert "AlmostSolved" in res.message and "numerical breakdown" in res.message
    thr = threshold(werner(), "xz")
    assert thr.estimate is None and thr.upper is None and "not solved" in thr.message


# ------------------------------------------------------------------ contract

def test_conformance_and_lazy_import():
    testing = pytest.importorskip("quantcorr.testing")
    targets = [SteeringTarget(werner(0.5), measurements_from_spec("xz", 2)),
               SteeringTarget(werner(0.9), measurements_from_spec("paulis", 2)),
               SteeringTarget(isotropic(3, 0.8), mubs(3, 2))]
    testing.check_certifier(SdpLhs, targets)
    code = "import sys, quantcorr_sdp.plugin, quantcorr_sdp.lhs; print('cvxpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
