"""Post-quantum steering: almost-quantum test, steering negativity, Gleason targets, CLI."""

from __future__ import annotations

import json
from math import sqrt

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("cvxpy")

from quantcorr.assemblage import Assemblage  # noqa: E402
from quantcorr.certifier import SteeringTarget  # noqa: E402
from quantcorr.errors import ProblemTooLargeError, ValidationError  # noqa: E402
from quantcorr.measurements import measurements_from_spec  # noqa: E402
from quantcorr.states import ghz, w, werner  # noqa: E402
from quantcorr.testing import check_certifier  # noqa: E402
from quantcorr.threshold import TargetFamily, VisibilityFamily  # noqa: E402
from quantcorr_postquantum import maps, upb  # noqa: E402
from quantcorr_postquantum.almost_quantum import AlmostQuantum, verify_certificate  # noqa: E402
from quantcorr_postquantum.negativity import SteeringNegativity  # noqa: E402
from quantcorr_postquantum.pseudo import assemblage_of  # noqa: E402
from quantcorr_postquantum.targets import gleason_assemblage, map_assemblage, pr_steering, upb_shifts  # noqa: E402

AQ, NEG = AlmostQuantum(), SteeringNegativity()
PAULIS = measurements_from_spec("paulis", 2)


def recheck_realisation(cert, sigma: np.ndarray) -> float:
    """Independent re-check of a negativity "quantum-realisation" certificate (physical layout)."""
    rho = np.asarray(cert.data["rho"])
    assert np.linalg.eigvalsh(rho).min() > -1e-12 and abs(np.trace(rho) - 1) < 1e-9
    ms = tuple(np.asarray(m) for m in cert.data["measurements"])
    dims = tuple(m.shape[-1] for m in ms) + (sigma.shape[-1],)
    return float(np.abs(assemblage_of(rho, dims, ms) - sigma).max())


# ------------------------------------------------------------------ almost-quantum

@pytest.mark.parametrize("dim", [2, 4])
def test_pr_steering_critical_visibility_is_tsirelson(dim):
    res = AQ.critical_visibility(TargetFamily(pr_steering(dim=dim)))
    assert abs(res.estimate - 1 / sqrt(2)) < 1e-5 and abs(res.upper - 1 / sqrt(2)) < 1e-5
    assert res.lower <= res.estimate <= res.upper and res.upper_rigor == "certified"
    assert res.quantities["lower_rechecked"] and 1 / sqrt(2) - res.lower < 1e-5
    from quantcorr.jsonio import from_jsonable

    cert = from_jsonable(res.certificates["functional"]["data"])  # as stored in the JSON output
    ok, chk = verify_certificate(cert, pr_steering(res.upper, dim).sigma, 2)
    assert ok and chk.value > chk.bound


def test_refinement_narrows_a_wide_bracket_soundly():
    """The membership bisection behind wide brackets (slowly converging threshold SDPs)."""
    from quantcorr_postquantum.moments import scenario_of

    base, noise = pr_steering().sigma, pr_steering(0.0).sigma
    table: list = []
    lower, upper, cert = AQ._refine(scenario_of(base, 2), base, noise, 0.6, 0.8, table, AlmostQuantum.Options())
    assert lower <= 1 / sqrt(2) <= upper + 1e-9 and upper - lower < 1e-3 and cert is not None
    assert verify_certificate(cert.data, pr_steering(upper).sigma, 2)[0]
    assert {row["verdict"] for row in table} == {"inconclusive", "post-quantum"}


def test_pr_steering_075_certified_and_perturbed_certificate_rejected():
    target = pr_steering(0.75)
    res = AQ.certify(target)
    assert res.verdict.value == "post-quantum" and res.rigor.value == "certified"
    data = res.certificate.data
    assert res.value > data["bound"]
    ok, chk = verify_certificate(data, target.sigma, 2)
    assert ok
    # functional recomputed by hand from the exported operators G_c and the marginals
    from quantcorr_postquantum.moments import scenario_of

    marg = scenario_of(target.sigma, 2).marginals(target.sigma)
    assert abs(np.einsum("kij,kji->", data["G"], marg).real - chk.value) < 1e-12
    rng = np.random.default_rng(1)
    Z = np.asarray(data["Z"])
    H = rng.standard_normal(Z.shape) + 1j * rng.standard_normal(Z.shape)
    for bad in (Z + 0.05 * (H + H.conj().T), Z - 0.02 * np.eye(len(Z))):  # perturbed duals
        assert not verify_certificate({**data, "Z": bad}, target.sigma, 2)[0]
    assert not verify_certificate({**data, "bound": data["bound"] - 1e-3}, target.sigma, 2)[0]  # claimed bound
    assert not verify_certificate({**data, "value": data["value"] * 1.5}, target.sigma, 2)[0]  # claimed value
    assert not verify_certificate(data, pr_steering(1 / sqrt(2) - 1e-7).sigma, 2)[0]  # quantum (Tsirelson) points


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_functional_bound_holds_on_random_quantum_assemblages(seed):
    """Soundness of the rigorous bound: a certificate from the PR box never flags a quantum
    assemblage (random three-qubit state, random projective qubit measurements)."""
    from quantcorr.linalg import haar_unitary

    data = _PR_CERT()
    rng = np.random.default_rng(seed)
    psi = rng.standard_normal(8) + 1j * rng.standard_normal(8)
    rho = np.outer(psi, psi.conj()) / np.vdot(psi, psi).real
    U = haar_unitary(2, 4, rng)
    M = np.einsum("kia,kja->kaij", U, U.conj()).reshape(2, 2, 2, 2, 2)  # party, setting, outcome, d, d
    sigma = assemblage_of(rho, (2, 2, 2), (M[0], M[1]))
    ok, chk = verify_certificate(data, sigma, 2)
    assert not ok and chk.value <= chk.bound + 1e-12


def _PR_CERT(cache={}):
    if not cache:
        cache["data"] = AQ.certify(pr_steering(0.75)).certificate.data
    return cache["data"]


def test_pr_steering_below_tsirelson_is_almost_quantum():
    res = AQ.certify(pr_steering(0.7))
    assert res.verdict.value == "inconclusive" and res.quantities["almost_quantum"] is True


@pytest.mark.parametrize("state", [ghz(3), w(3)])
def test_ghz_w_paulis_controls(state):
    target = SteeringTarget(state, PAULIS)
    res = AQ.certify(target)
    assert res.verdict.value == "inconclusive" and res.quantities["almost_quantum"] is True
    neg = NEG.certify(target)
    assert neg.verdict.value == "quantum" and neg.rigor.value == "solver-tolerance"
    assert neg.value <= 1e-6 and neg.quantities["fixed_measurements"] == "physical"
    sigma = Assemblage.from_state(state, PAULIS).sigma
    assert recheck_realisation(neg.certificate, sigma) < 1e-6
    for solver in (AQ, NEG):  # state families: no post-quantum point up to v = 1
        thr = solver.critical_visibility(VisibilityFamily(state), PAULIS)
        assert thr.upper is None and thr.lower > 1 - 1e-5 and thr.lower_rigor == "solver-tolerance"


def test_upb_shifts_psd_no_signalling_and_post_quantum():
    target = upb_shifts()
    assert target.require_psd and target.min_eigenvalue() > 1e-3
    assert target.no_signalling_violation() < 1e-12 and abs(np.trace(target.reduced_state()) - 1) < 1e-12
    lower, upper = upb.shifts_epsilon_bounds(np.pi / 4, 30, 60)
    assert 0 < lower <= upper and abs(upper - 0.0814413) < 1e-6
    res = AQ.certify(target)
    assert res.verdict.value == "post-quantum" and res.rigor.value == "certified"
    assert verify_certificate(res.certificate.data, target.sigma, 2)[0]
    with pytest.raises(ValidationError, match="theta"):
        upb_shifts(theta=0.0)


def test_upb_shifts_negativity_uses_its_measurements():
    """The target remembers its local measurements: the negativity bound is then tr(W_-) of the
    normalised witness, and below the threshold a PSD 3-qubit realisation exists."""
    W = upb.shifts_witness()
    res = NEG.certify(upb_shifts())
    assert res.quantities["fixed_measurements"] == "physical" and res.verdict.value == "inconclusive"
    assert abs(res.value - np.abs(np.linalg.eigvalsh(W).clip(max=0)).sum()) < 1e-6
    low = upb_shifts(v=0.8)
    res = NEG.certify(low)
    assert res.verdict.value == "quantum" and recheck_realisation(res.certificate, low.sigma) < 1e-6


def test_breuer_hall_dim4_post_quantum_and_choi_file(tmp_path):
    target = map_assemblage("breuer-hall", "XY", "haar", "xz", (2, 2, 4), 0)
    res = AQ.certify(target)
    assert res.verdict.value == "post-quantum" and res.rigor.value == "certified"
    # the same map from a Choi-matrix file gives the same assemblage
    lam = maps.positive_map("breuer-hall", 4, "XY")
    E = np.eye(4)
    J = sum(np.kron(np.outer(E[i], E[j]), lam(np.outer(E[i], E[j]))) for i in range(4) for j in range(4))
    path = tmp_path / "bh.npy"
    np.save(path, J)
    again = map_assemblage(str(path), "", "haar", "xz", (2, 2, 4), 0)
    assert np.abs(again.sigma - target.sigma).max() < 1e-12
    with pytest.raises(ValidationError, match="antisymmetric"):
        map_assemblage("breuer-hall", "XX", "haar", "xz", (2, 2, 4), 0)


def test_transpose_of_quantum_assemblage_stays_almost_quantum():
    res = AQ.certify(map_assemblage("transpose", state="ghz", measurements="xz"))
    assert res.verdict.value == "inconclusive"


# ------------------------------------------------------------------ n = 1 and negativity

def test_bipartite_assemblage_from_file_is_quantum_with_realisation(tmp_path):
    sigma = Assemblage.from_state(werner(0.9), PAULIS)
    path = tmp_path / "sigma.json"
    path.write_text(json.dumps(sigma.to_json()))
    loaded = Assemblage.from_json(json.loads(path.read_text()))
    for solver in (AQ, NEG):
        res = solver.certify(loaded)
        assert res.verdict.value == "quantum" and res.rigor.value == "certified"
        psi, M = np.asarray(res.certificate.data["psi"]), np.asarray(res.certificate.data["measurements"])
        r = M.shape[-1]
        assert np.linalg.eigvalsh(M).min() > -1e-12 and np.abs(M.sum(1) - np.eye(r)).max() < 1e-10
        back = assemblage_of(np.outer(psi, psi.conj()), (r, 2), (M,))
        assert np.abs(back - loaded.sigma).max() < 1e-9


def test_negativity_canonical_registers():
    noise = pr_steering(0.0)  # white noise: classical, so zero negativity with classical registers
    res = NEG.certify(noise)
    assert res.verdict.value == "quantum" and res.quantities["fixed_measurements"] == "canonical"
    pr = NEG.certify(pr_steering(1.0))
    assert pr.verdict.value == "inconclusive" and pr.value > 0.1 and pr.quantities["upper_bound_only"] is True
    thr = NEG.critical_visibility(TargetFamily(pr_steering()))
    # zero negativity with classical registers means a local model, so at most the CHSH local bound 1/2
    assert 0.2 < thr.estimate <= 0.5 + 1e-6 and thr.upper is None and thr.lower_rigor == "solver-tolerance"


def test_negative_element_is_certified_post_quantum():
    W = np.diag([0.6, -0.1, 0.3, 0.2]).astype(complex)  # not PSD: a pseudo-state
    sets = (measurements_from_spec("xz", 2),)
    target = gleason_assemblage(W, (2, 2), sets)
    assert not target.require_psd
    for solver in (AQ, NEG):
        res = solver.certify(target)
        assert res.verdict.value == "post-quantum" and res.rigor.value == "certified"
        assert res.certificate.kind == "negative-element" and res.certificate.data["value"] < 0


def test_conformance():
    targets = [pr_steering(0.75), SteeringTarget(ghz(3), measurements_from_spec("xz", 2)),
               Assemblage.from_state(werner(0.5), PAULIS)]
    check_certifier(AlmostQuantum, targets)
    check_certifier(SteeringNegativity, targets)
    from quantcorr.testing import check_declared_targets

    check_declared_targets("almost-quantum")  # the plugin's declared target kinds match supports()
    check_declared_targets("steering-negativity")


def test_problem_too_large():
    with pytest.raises(ProblemTooLargeError, match="above the limit"):
        AQ.certify(pr_steering(), AlmostQuantum.Options(max_side=10))
    with pytest.raises(ProblemTooLargeError, match="above the limit"):
        NEG.certify(pr_steering(), SteeringNegativity.Options(max_size=10))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 3), st.integers(2, 3))
def test_gleason_assemblage_no_signalling_property(seed, m, o):
    """Any unit-trace Hermitian operator gives a no-signalling pseudo-assemblage; PSD ones give
    a PSD assemblage whose n = 1 purification re-checks."""
    rng = np.random.default_rng(seed)
    H = rng.standard_normal((8, 8)) + 1j * rng.standard_normal((8, 8))
    W = H @ H.conj().T if seed % 2 else H + H.conj().T
    W = W / np.trace(W).real if abs(np.trace(W).real) > 1e-3 else np.eye(8) / 8
    M = np.array([measurements_from_spec("mubs", 2).elements[x % 3] for x in range(m)])
    M = np.concatenate([M, np.zeros((m, o - 2, 2, 2))], axis=1)
    target = gleason_assemblage(W, (2, 2, 2), (_set(M), _set(M)))
    assert target.no_signalling_violation() < 1e-9
    if seed % 2:
        assert target.require_psd
        from quantcorr_postquantum.common import purification_realisation

        bip = assemblage_of(W, (2, 4), (M,))
        assert purification_realisation(bip)[2] < 1e-8


def _set(M):
    from quantcorr.measurements import POVM, MeasurementSet

    return MeasurementSet(tuple(POVM(e) for e in M))


# ------------------------------------------------------------------ CLI

def _cli(*args):
    from quantcorr.cli.main import cli

    return CliRunner().invoke(cli, list(args))


def test_cli_certify_and_threshold_pr_steering():
    res = _cli("certify", "--solver", "almost-quantum", "--assemblage", "pr-steering", "--param", "v=0.75",
               "--json", "-")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["verdict"] == "post-quantum" and doc["rigor"] == "certified"
    res = _cli("threshold", "--solver", "almost-quantum", "--assemblage", "pr-steering", "--json", "-")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert abs(doc["estimate"] - 1 / sqrt(2)) < 1e-5 and doc["upper_rigor"] == "certified"


def test_cli_negativity_ghz_and_gleason_file(tmp_path):
    res = _cli("certify", "--solver", "steering-negativity", "--state", "ghz", "--measurements", "paulis",
               "--json", "-")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["verdict"] == "quantum"
    res = _cli("certify", "--solver", "steering-negativity", "--state", "w", "--measurements", "xz|paulis",
               "--json", "-")  # one measurement set per black-box party
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["verdict"] == "quantum" and doc["quantities"]["realisation_deviation"] < 1e-6
    path = tmp_path / "W.npy"
    np.save(path, upb.shifts_witness())
    res = _cli("certify", "--solver", "almost-quantum", "--assemblage", "gleason", "--param", f"witness={path}",
               "--param", "dims=2,2,2", "--param", "measurements=paulis", "--json", "-")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["verdict"] == "post-quantum"


@pytest.mark.parametrize("args, needle", [
    (("--assemblage", "upb-shifts", "--param", "theta=0"), "theta"),
    (("--assemblage", "pr-steering", "--param", "v=1.5"), "[0, 1]"),
    (("--assemblage", "pr-steering", "--param", "v=abc"), "not a number"),
    (("--assemblage", "map", "--param", "U=XX", "--param", "dims=2,2,4", "--param", "state=haar"),
     "antisymmetric"),
    (("--assemblage", "map", "--param", "map=nope"), "map="),
    (("--assemblage", "gleason", "--param", "witness=/nonexistent/W.npy"), "not found"),
    (("--assemblage", "pr-steering", "--max-side", "4"), "above the limit"),
])
def test_cli_bad_input_one_line_error(args, needle):
    res = _cli("certify", "--solver", "almost-quantum", *args)
    _one_line_error(res, needle)


def test_cli_negativity_physical_needs_measurements():
    res = _cli("certify", "--solver", "steering-negativity", "--assemblage", "pr-steering", "--construction",
               "physical")
    _one_line_error(res, "needs a state with measurements")


def _one_line_error(res, needle):
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output
    assert len([line for line in res.output.strip().splitlines() if line.strip()]) <= 2


def test_bench_suite_quick(tmp_path):
    """The `postquantum` suite runs (quick options, coarse grid) and reproduces the thresholds."""
    out = tmp_path / "pq.json"
    res = _cli("bench", "postquantum", "--quick", "--workers", "1", "--problem", "pr-steering", "--problem",
               "ghz-paulis", "--out", str(out), "--cache", str(tmp_path / "cache.json"))
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert all(r["status"] == "ok" and r["n_failed"] == 0 for r in doc["rows"])
    rows = {(r["problem"], r["solver"]): r for r in doc["rows"]}
    pr = rows[("pr-steering", "almost-quantum")]
    assert abs(pr["estimate"] - 1 / sqrt(2)) < 1e-5 and pr["upper_rigor"] == "certified"
    assert rows[("ghz-paulis", "steering-negativity")]["lower"] > 1 - 1e-5
    verdicts = {(c["problem"], c["solver"], c["v"]): c["verdict"] for c in doc["cells"]}
    assert verdicts[("pr-steering", "almost-quantum", 1.0)] == "post-quantum"
    assert verdicts[("ghz-paulis", "steering-negativity", 1.0)] == "quantum"
