"""comm-cost: certified LHS-robustness lower bounds, explicit t-bit models, analytic cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from quantcorr.assemblage import Assemblage
from quantcorr.certifier import SteeringTarget
from quantcorr.cli.main import cli
from quantcorr.errors import OptionError, ProblemTooLargeError
from quantcorr.measurements import MeasurementSpace, measurements_from_spec
from quantcorr.states import ghz, isotropic, partially_entangled, werner
from quantcorr.testing import check_certifier
from quantcorr.threshold import TargetFamily, VisibilityFamily
from quantcorr_bounds import closed_forms, inequality, robustness, tbit
from quantcorr_bounds.certifier import CommCost, CommCostOptions
from quantcorr_sdp.lhs import SdpLhs

CC = CommCost()


def target(state, spec: str) -> SteeringTarget:
    return SteeringTarget(state, measurements_from_spec(spec, state.dims[0]))


def sigma_of(state, spec: str) -> np.ndarray:
    return target(state, spec).assemblage().sigma


def rebuild(model: dict, shape: tuple[int, ...]) -> np.ndarray:
    """sigma from a certificate's t-bit model, checking message consistency and equal weights."""
    out = np.zeros(shape, complex)
    weights: dict[tuple[int, int], float] = {}
    for p, k, outs, state in zip(model["block_partition"], model["block_message"], model["block_outcomes"],
                                 model["states"]):
        xs = np.flatnonzero(outs >= 0)
        assert np.all(model["message_functions"][p][xs] == k)
        out[xs, outs[xs]] += state
        weights[(p, k)] = weights.get((p, k), 0.0) + float(np.trace(state).real)
    for p in {p for p, _ in weights}:
        w = [val for (q, _), val in weights.items() if q == p]
        assert max(w) - min(w) < 1e-6
    return out


def random_assemblage(rng: np.random.Generator, m: int, o: int, d_a: int = 2, d_b: int = 2,
                      projective: bool = False) -> np.ndarray:
    """Assemblage of a random pure state under m random o-outcome POVMs (rank-one PVMs, o = d_a,
    when `projective`)."""
    from quantcorr.linalg import psd_sqrt_inv
    from quantcorr.measurements import POVM, MeasurementSet
    from quantcorr.states import State

    psi = rng.normal(size=d_a * d_b) + 1j * rng.normal(size=d_a * d_b)
    state = State(np.outer(psi, psi.conj()) / np.vdot(psi, psi).real, (d_a, d_b))
    povms = []
    for _ in range(m):
        if projective:
            u = np.linalg.qr(rng.normal(size=(d_a, d_a)) + 1j * rng.normal(size=(d_a, d_a)))[0]
            povms.append(POVM(np.einsum("ia,ja->aij", u, u.conj())))
            continue
        g = rng.normal(size=(o, d_a, d_a)) + 1j * rng.normal(size=(o, d_a, d_a))
        e = g @ np.conj(np.swapaxes(g, -1, -2))
        s = psd_sqrt_inv(e.sum(0))
        povms.append(POVM(s @ e @ s))
    return Assemblage.from_state(state, MeasurementSet(tuple(povms))).sigma


# ------------------------------------------------------------ nu against sdp-lhs

GRIDS = [(werner, {}, "xz", (0.5, 0.65, 0.75, 0.9)), (werner, {}, "paulis", (0.5, 0.55, 0.6, 0.8)),
         (isotropic, {"d": 3}, "mubs:2", (0.4, 0.65, 0.75, 1.0)),
         (isotropic, {"d": 3}, "mubs:3", (0.4, 0.55, 0.6, 0.9)),
         (isotropic, {"d": 3}, "mubs:4", (0.4, 0.45, 0.52, 0.7))]


@pytest.mark.parametrize("ctor,params,spec,grid", GRIDS)
def test_nu_zero_exactly_where_sdp_lhs_finds_an_lhs_model(ctor, params, spec, grid):
    verdicts = set()
    for v in grid:
        t = target(ctor(v=v, **params), spec)
        ref = SdpLhs().certify(t, SdpLhs.Options(quantities=False))
        res = CC.certify(t)
        verdicts.add(ref.verdict.value)
        assert res.verdict == ref.verdict, (spec, v)
        nu = res.quantities["lhs_robustness"]
        if ref.verdict.value == "unsteerable":
            assert nu == 0.0 and res.quantities["bits_upper"] == 0 and res.quantities["bits_exact"] == 0
            assert res.rigor.value == "solver-tolerance"
        else:
            assert nu > 1e-4 and res.rigor.value == "certified"
            assert res.value == pytest.approx(math.log2(1 + nu))
    assert verdicts == {"steerable", "unsteerable"}  # both sides of the threshold are probed


@pytest.mark.parametrize("v", [0.5, 0.75, 1.0])
def test_isotropic_four_mubs_beats_closed_form_and_certificate_reproduces_sdp(v):
    res = CC.certify(target(isotropic(3, v), "mubs:4"))
    nu, nu_sdp = res.quantities["lhs_robustness"], res.quantities["lhs_robustness_sdp"]
    assert 1 + 2 * nu >= closed_forms.isotropic_mub_value(3, v) - 1e-9
    assert res.value >= closed_forms.isotropic_mub_bits(3, v) - 1e-9
    ineq = res.certificate.data["steering_inequality"]
    assert ineq["valid"] and abs(ineq["value"] - (1 + 2 * nu_sdp)) < 1e-6
    assert abs(nu - nu_sdp) < 1e-6


@pytest.mark.parametrize("v", [0.6, 1.0])
def test_isotropic_d8_clifford_observables_beat_closed_form(v):
    """log2(8) = 3 pairwise anticommuting Clifford observables (I +- A)/2 on the isotropic d=8 state."""
    from quantcorr.measurements import POVM, MeasurementSet

    x, y, z, i2 = (np.array(a, complex) for a in ([[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]],
                                                   [[1, 0], [0, 1]]))
    obs = [np.kron(np.kron(a, b), i2) for a, b in ((x, i2), (y, i2), (z, x))]
    assert all(np.allclose(a @ b, -b @ a) for k, a in enumerate(obs) for b in obs[k + 1:])
    ms = MeasurementSet(tuple(POVM(np.stack([(np.eye(8) + a) / 2, (np.eye(8) - a) / 2])) for a in obs))
    res = CC.certify(Assemblage.from_state(isotropic(8, v), ms), CommCostOptions(models=False, sdp_solver="scs"))
    assert res.verdict.value == "steerable"
    assert res.value >= closed_forms.clifford_bits(8, v) - 1e-9


def test_werner_maximally_entangled_closed_form_values():
    # normalised inequality values 1 + 2 nu = sqrt(m) for m = 2, 3 Pauli settings of the singlet
    for spec, m in (("xz", 2), ("paulis", 3)):
        nu = CC.certify(target(werner(1.0), spec)).quantities["lhs_robustness"]
        assert nu == pytest.approx((math.sqrt(m) - 1) / 2, abs=1e-7)


# ------------------------------------------------------------ t-bit models

def test_werner_xz_one_bit_is_exact_wherever_steerable():
    for v in (0.6, 0.72, 0.8, 0.9, 1.0):
        q = CC.certify(target(werner(v), "xz")).quantities
        if q["lhs_robustness"] > 0:
            assert q["bits_upper"] == 1 and q["bits_exact"] == 1 and q["bits_upper_rigor"] == "certified"
        else:
            assert q["bits_upper"] == 0 and q["bits_exact"] == 0


@pytest.mark.parametrize("spec,v_lhs", [("paulis", 3**-0.5), ("cube", 3**-0.5)])
def test_largest_one_bit_visibility_with_rechecked_model(spec, v_lhs):
    fam = VisibilityFamily(werner(1.0))
    ms = measurements_from_spec(spec, 2)
    thr = CC.critical_visibility(fam, ms, CommCostOptions(bits=1))
    assert thr.lower_rigor == "solver-tolerance" and thr.estimate == thr.lower
    assert v_lhs + 0.1 < thr.lower < 1.0
    model = thr.certificates["model"]
    sigma = SteeringTarget(fam.at(thr.lower), ms).assemblage().sigma
    assert np.abs(rebuild(model, sigma.shape) - sigma).max() < 1e-6
    # just above it the 1-bit SDP's model no longer fits sigma: certify needs 2 bits there
    q = CC.certify(SteeringTarget(fam.at(min(thr.lower + 0.02, 1.0)), ms)).quantities
    assert q["bits_upper"] == 2 and q["bits_exact"] is None
    thr0 = CC.critical_visibility(fam, ms)
    assert thr0.lower == pytest.approx(v_lhs, abs=1e-6) and thr0.upper == pytest.approx(v_lhs, abs=1e-6)
    assert thr0.upper_rigor == "certified"


def test_reduced_model_expands_to_a_full_hidden_variable_model():
    """Reduction 2 of `tbit`: p(lambda|P) = prod of block marginals rebuilds a (lambda, f) model."""
    s1, s0 = sigma_of(werner(1.0), "paulis"), sigma_of(werner(0.0), "paulis")
    model = tbit.max_visibility(s1, s0, 1)
    lay, T, v = model.layout, model.states, model.v
    m, o = s1.shape[0], s1.shape[1]
    out = np.zeros_like(s1)
    for p, f in enumerate(lay.messages):
        blocks = [np.flatnonzero((lay.block_partition == p) & (lay.block_message == k)) for k in range(f.max() + 1)]
        q = sum(np.trace(T[j]).real for j in blocks[0])
        if q < 1e-12:
            continue
        for lam in np.ndindex(*(o,) * m):
            lam = np.array(lam)
            picks = [next(j for j in b if np.all(lay.block_outcomes[j][f == k] == lam[f == k]))
                     for k, b in enumerate(blocks)]
            tr = [np.trace(T[j]).real for j in picks]
            p_l = q * np.prod(np.array(tr) / q)
            for x in range(m):
                j, t = picks[f[x]], tr[f[x]]
                if t > 1e-14:
                    out[x, lam[x]] += T[j] * p_l / t  # S_{l, f(x)}, trace p_l for every message
    assert np.abs(out - (v * s1 + (1 - v) * s0)).max() < 1e-6


def test_partitions_and_sizes():
    for m in range(1, 7):
        for b in range(1, m + 1):
            parts = tbit.partitions(m, b)
            assert len(parts) == tbit.stirling2(m, b)
            assert len({tuple(p) for p in parts}) == len(parts)
        for bits in range(3):
            assert tbit.layout(m, 2, bits).M.shape[1] == tbit.n_blocks(m, 2, min(2**bits, m))
    with pytest.raises(ProblemTooLargeError, match="above the limit"):
        tbit.check_size(14, 2, 2, 2)


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 4), st.integers(2, 3), st.integers(0, 2**31 - 1))
def test_send_setting_model_is_exact(m, o, seed):
    rng = np.random.default_rng(seed)
    sigma = random_assemblage(rng, m, o)
    model = tbit.send_setting(sigma)
    assert model.bits == math.ceil(math.log2(m)) and model.residual < 1e-12
    assert np.abs(rebuild(model.certificate(), sigma.shape) - sigma).max() < 1e-12


# ------------------------------------------------------------ certificates

def test_perturbed_or_forged_certificate_is_rejected():
    sigma = sigma_of(werner(0.9), "paulis")
    res = CC.certify(Assemblage(sigma))
    cert = res.certificate.data["steering_inequality"]
    nu = res.quantities["lhs_robustness"]
    good = inequality.check(cert["F"], sigma, 1, claimed_nu=nu)
    assert good["valid"] and good["nu_lower"] == pytest.approx(nu)
    assert not inequality.check(1.05 * cert["F"], sigma, 1, claimed_nu=nu)["valid"]  # leaves [-1, 1]
    rng = np.random.default_rng(1)
    noise = rng.normal(size=cert["F"].shape) * 1e-3
    assert not inequality.check(cert["F"] + noise + np.swapaxes(noise, -1, -2), sigma, 1, claimed_nu=nu)["valid"]
    assert not inequality.check(cert["F"], sigma, 1, claimed_nu=nu + 1e-3)["valid"]  # forged claim
    lhs_sigma = sigma_of(werner(0.5), "paulis")
    assert not inequality.check(cert["F"], lhs_sigma, 1, claimed_nu=nu)["valid"]  # wrong assemblage
    assert not inequality.check(cert["F"][:2], sigma, 1)["valid"]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_any_inequality_gives_a_valid_lower_bound(seed):
    """Weak duality: the exact re-check of an arbitrary F never exceeds the SDP's nu."""
    sigma = sigma_of(werner(0.95), "paulis")
    nu = robustness.lhs_robustness(sigma, 1).nu_sdp
    F = np.random.default_rng(seed).normal(size=sigma.shape) + 0j
    F = F + np.swapaxes(F, -1, -2)
    assert inequality.certified_inequality(F, sigma, 1)["nu_lower"] <= nu + 1e-7


# ------------------------------------------------------------ continuous families, other targets

def test_partially_entangled_pure_is_infinite_and_mixed_is_finite_via_cli():
    runner = CliRunner()
    out = {}
    for v in ("1", "0.99"):
        r = runner.invoke(cli, ["certify", "--solver", "comm-cost", "--state", "partially_entangled", "--param",
                                "theta=0.4", "--param", f"v={v}", "--measurements", "pvm", "--json", "-"])
        assert r.exit_code == 0, r.output
        out[v] = json.loads(r.output[r.output.index("{"):])
    from quantcorr.jsonio import from_jsonable

    pure, mixed = from_jsonable(out["1"]), from_jsonable(out["0.99"])
    assert pure["verdict"] == "steerable" and pure["rigor"] == "certified" and math.isinf(pure["value"])
    assert pure["quantities"]["bits_lower_rigor"] == "certified" and "PRA 94, 012308" in pure["message"]
    assert mixed["verdict"] == "steerable" and mixed["rigor"] == "certified"
    assert 0 < mixed["value"] < 1 and mixed["quantities"]["bits_upper"] is None


def test_analytic_cases_detected_from_the_state_not_the_name():
    from quantcorr.states import State, antisymmetric

    anti = antisymmetric(3)
    renamed = State(anti.rho, anti.dims, "mystery")
    res = CC.certify(SteeringTarget(renamed, MeasurementSpace("povm", 3)))
    assert math.isinf(res.value) and "antisymmetric" in res.message
    near = State(0.999 * anti.rho + 0.001 * np.eye(9) / 9, (3, 3), "antisymmetric")
    assert math.isfinite(CC.certify(SteeringTarget(near, MeasurementSpace("pvm", 3))).value)
    product = State(np.diag([1.0, 0, 0, 0]), (2, 2), "pure product")
    res = CC.certify(SteeringTarget(product, MeasurementSpace("pvm", 2)))
    assert res.value == 0.0 and res.verdict.value == "inconclusive"


def test_subset_bound_grows_with_the_subset():
    t = SteeringTarget(partially_entangled(0.4, 0.99), MeasurementSpace("pvm", 2))
    small = CC.certify(t, CommCostOptions(subset="xz")).value
    big = CC.certify(t, CommCostOptions(subset="icosahedron")).value
    assert 0 < small <= big + 1e-9


def test_multipartite_and_general_assemblages():
    t = SteeringTarget(ghz(3, 1.0), measurements_from_spec("xz", 2))
    res = CC.certify(t)
    assert res.verdict.value == "steerable" and res.quantities["bits_upper"] is None
    assert "one steering party" in res.message
    sigma = random_assemblage(np.random.default_rng(3), 3, 3, d_a=3, d_b=2, projective=True)  # qutrit Alice
    res = CC.certify(Assemblage(sigma))
    assert res.verdict.value == "steerable" and res.quantities["bits_upper"] in (1, 2)
    assert res.quantities["bits_upper"] >= res.value


def test_assemblage_family_threshold():
    asm = Assemblage.from_state(werner(1.0), measurements_from_spec("paulis", 2))
    thr = CC.critical_visibility(TargetFamily(asm), None, CommCostOptions())
    assert thr.lower == pytest.approx(3**-0.5, abs=1e-6)


def test_conformance():
    check_certifier(CommCost, [target(werner(0.8), "paulis"), target(werner(0.5), "xz"),
                               Assemblage.from_state(isotropic(3, 0.9), measurements_from_spec("mubs:2", 3)),
                               SteeringTarget(partially_entangled(0.4, 1.0), MeasurementSpace("pvm", 2)),
                               SteeringTarget(werner(0.4), MeasurementSpace("pvm", 2))])


# ------------------------------------------------------------ errors, options, CLI

def test_bad_options_refused():
    for kw in ({"bits": -1}, {"bits": 7}, {"tol": 0.0}, {"sdp_solver": "cplex"}, {"analytic_tol": -1.0}):
        with pytest.raises(OptionError):
            CommCostOptions(**kw)
    pvm3 = SteeringTarget(isotropic(3, 0.9), MeasurementSpace("pvm", 3))
    with pytest.raises(OptionError, match="subset"):
        CC.certify(pvm3, CommCostOptions(subset="paulis"))
    with pytest.raises(OptionError, match="subset"):
        CC.certify(SteeringTarget(werner(0.9), MeasurementSpace("pvm", 2)), CommCostOptions(subset="nonsense"))
    with pytest.raises(ProblemTooLargeError, match="use fewer settings"):
        CC.certify(SteeringTarget(werner(0.9), MeasurementSpace("pvm", 2)), CommCostOptions(subset="geodesic-42"))


def test_cli_threshold_bits_and_errors():
    runner = CliRunner()
    r = runner.invoke(cli, ["threshold", "--solver", "comm-cost", "--state", "werner", "--measurements", "xz",
                            "--bits", "1"])
    assert r.exit_code == 0 and "Alice sends x" in r.output
    r = runner.invoke(cli, ["threshold", "--solver", "comm-cost", "--state", "werner", "--measurements", "xz",
                            "--bits", "-1"])
    assert r.exit_code == 2 and "--bits" in r.output


def test_bounds_command_and_closed_forms():
    assert closed_forms.isotropic_mub_bits(3, 1.0) == pytest.approx(math.log2((4 / (1 + 3**0.5) + 1) / 2))
    assert closed_forms.clifford_bits(4, 1.0) == 0.0  # m = 2: log2(1 + 1) - 1
    assert closed_forms.approximate_bits(0.1) == pytest.approx(math.log2(2 / (1 - math.sqrt(0.96))))
    runner = CliRunner()
    r = runner.invoke(cli, ["bounds", "mub", "--d", "3", "--v", "1", "--json", "-"])
    assert r.exit_code == 0 and json.loads(r.output)["bits_lower"] == pytest.approx(0.301062, abs=1e-6)
    r = runner.invoke(cli, ["bounds", "approx", "--epsilon", "0.05"])
    assert r.exit_code == 0 and "bits >" in r.output
    for args in (["approx", "--epsilon", "0.7"], ["mub", "--d", "6"], ["clifford", "--d", "6"],
                 ["mub", "--d", "3", "--v", "2"]):
        r = runner.invoke(cli, ["bounds", *args])
        assert r.exit_code == 2 and r.output.startswith("Error:"), args


def test_bench_suite_registered():
    from quantcorr.plugins import get_registry

    probs = [p for p in get_registry().problems.values() if "communication" in p.suites]
    assert {p.measurements for p in probs} == {"xz", "paulis", "cube", "mubs:2", "mubs:3", "mubs:4"}


def test_bench_quick_cells_carry_bits(tmp_path):
    out = tmp_path / "comm.json"
    r = CliRunner().invoke(cli, ["bench", "communication", "--solver", "comm-cost", "--problem", "comm-werner-paulis",
                                 "--quick", "--workers", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    for key in ("bits_lower", "bits_upper", "lhs_robustness"):
        assert key in text
