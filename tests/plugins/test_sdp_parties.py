"""sdp-lhs: several black-box parties with their own settings/outcomes, assemblage families,
second-order cones, closed-form rows, size limits, options, named robustnesses (issues 9, 10, 17, 18)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from math import sqrt

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

pytest.importorskip("cvxpy")

from quantcorr.assemblage import Assemblage  # noqa: E402
from quantcorr.certifier import SteeringTarget, Verdict  # noqa: E402
from quantcorr.errors import OptionError, ProblemTooLargeError, UnsupportedTargetError  # noqa: E402
from quantcorr.measurements import POVM, MeasurementSet, measurements_from_spec  # noqa: E402
from quantcorr.states import ghz, partially_entangled, werner  # noqa: E402
from quantcorr.threshold import TargetFamily, VisibilityFamily  # noqa: E402
from quantcorr_sdp import sdp_core as core  # noqa: E402
from quantcorr_sdp.lhs import SdpLhs  # noqa: E402
from quantcorr_sdp.lhs_program import program  # noqa: E402

SOLVER = SdpLhs()
XZ, PAULIS = measurements_from_spec("xz", 2), measurements_from_spec("paulis", 2)


def trine_and_z() -> MeasurementSet:
    """One three-outcome trine POVM: a party with 1 setting and 3 outcomes."""
    trine = [(np.eye(2) + np.cos(t) * np.diag([1, -1]) + np.sin(t) * np.array([[0, 1], [1, 0]])) / 3
             for t in 2 * np.pi * np.arange(3) / 3]
    return MeasurementSet((POVM(np.array(trine)),), "trine")


# ------------------------------------------------------------------ strategies and rows

def brute_force_D(ms, os_):
    """D[(x.., a..), lambda] = prod_k [lambda_k(x_k) = a_k], strategies in product order."""
    local = [list(itertools.product(range(o), repeat=m)) for m, o in zip(ms, os_)]
    strats = list(itertools.product(*local))
    rows = list(itertools.product(*[range(m) for m in ms], *[range(o) for o in os_]))
    n = len(ms)
    return np.array([[float(all(lam[k][r[k]] == r[n + k] for k in range(n))) for lam in strats] for r in rows])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(2, 3)), min_size=1, max_size=3))
def test_strategy_matrix_and_closed_form_rows(parties):
    ms, os_ = tuple(p[0] for p in parties), tuple(p[1] for p in parties)
    n = len(parties)
    assume(core.n_strategies(n, ms, os_) <= 256)
    D, strat = core.strategy_matrix(n, ms, os_)
    assert np.array_equal(D, brute_force_D(ms, os_))
    assert D.shape[1] == core.n_strategies(n, ms, os_) == len(strat)
    rows = core.closed_form_rows(n, ms, os_)
    rank = np.linalg.matrix_rank(D)
    assert len(rows) == rank == len(core.independent_rows(D)) == np.prod([m * (o - 1) + 1 for m, o in parties])
    assert np.linalg.matrix_rank(D[rows]) == rank
    if n == 1 and len(set(ms)) == 1:  # one party: the QR pivots pick the same rows
        assert np.array_equal(rows, core.independent_rows(D))


def test_closed_form_and_qr_rows_give_the_same_threshold():
    s1 = Assemblage.from_state(werner(), PAULIS).sigma
    s0 = Assemblage.from_state(werner(0.0), PAULIS).sigma
    D, _ = core.strategy_matrix(1, 3, 2)
    vals = [core.solve(program(D, 2, "critical", s1, s0, rows)).x[-1]
            for rows in (core.closed_form_rows(1, 3, 2), core.independent_rows(D))]
    assert vals[0] == pytest.approx(vals[1], abs=1e-8) and vals[0] == pytest.approx(1 / sqrt(3), abs=1e-7)


@pytest.mark.parametrize("kind", ["critical", "robustness", "consistent", "weight"])
def test_second_order_cones_equal_psd_blocks(kind):
    """Qubit blocks as Q^4 and as 4 x 4 real PSD blocks: same optimum and same duals (1e-8)."""
    sigma = Assemblage.from_state(werner(0.8), PAULIS).sigma
    s0 = Assemblage.from_state(werner(0.0), PAULIS).sigma
    D, _ = core.strategy_matrix(1, 3, 2)
    out = []
    for soc in (True, False):
        prog = program(D, 2, kind, sigma, s0, core.closed_form_rows(1, 3, 2), soc=soc, rho_b=np.eye(2) / 2)
        assert prog.uses_soc == soc
        sol = core.solve(prog, "clarabel", 1e-9)
        assert sol.ok
        out.append((prog.c @ sol.x, sol.W))
    assert out[0][0] == pytest.approx(out[1][0], abs=1e-8)
    assert np.linalg.eigvalsh(out[0][1]).min() > -1e-9  # the SOC dual is a PSD operator


# ------------------------------------------------------------------ several parties (issue 9)

def test_ghz_two_parties_steer_the_third():
    steer = SOLVER.certify(SteeringTarget(ghz(3, 1.0), XZ))
    assert steer.verdict == Verdict.STEERABLE and steer.rigor.value == "certified"
    assert SOLVER.certify(SteeringTarget(ghz(3, 0.2), XZ)).verdict == Verdict.UNSTEERABLE


def test_parties_with_different_settings_and_outcomes():
    sets = (XZ, trine_and_z())  # party 0: 2 settings x 2 outcomes, party 1: 1 setting x 3 outcomes
    target = SteeringTarget(ghz(3, 1.0), sets)
    assert SOLVER.supports(target)
    res = SOLVER.certify(target)
    assert res.verdict == Verdict.STEERABLE and res.certificate.data["F"].shape == (2, 1, 2, 3, 2, 2)
    assert SOLVER.certify(SteeringTarget(ghz(3, 0.5), sets)).verdict == Verdict.UNSTEERABLE
    state_thr = SOLVER.critical_visibility(VisibilityFamily(ghz(3)), sets)
    assert state_thr.quantities["n_strategies"] == 4 * 3 and state_thr.measurements == "xz|trine"
    asm = Assemblage.from_state(ghz(3), list(sets))
    asm_thr = SOLVER.critical_visibility(TargetFamily(asm, Assemblage.from_state(ghz(3, 0.0), list(sets))))
    assert asm_thr.upper == pytest.approx(state_thr.upper, abs=1e-7)
    assert state_thr.lower <= state_thr.estimate <= state_thr.upper


def test_assemblage_family_werner_xz_is_one_over_sqrt2():
    res = SOLVER.critical_visibility(TargetFamily(Assemblage.from_state(werner(1.0), XZ)))
    assert abs(res.estimate - 1 / sqrt(2)) < 1e-6 and abs(res.upper - 1 / sqrt(2)) < 1e-6
    assert res.upper_rigor == "certified" and res.measurements == "assemblage"


def test_behaviour_family_is_refused():
    from quantcorr.correlations import pr_box

    with pytest.raises(UnsupportedTargetError, match="behaviour"):
        SOLVER.critical_visibility(TargetFamily(pr_box()))


# ------------------------------------------------------------------ size limit (issues 10, 18)

def test_too_many_strategies_gives_the_reason_in_certify_and_threshold():
    opts = SdpLhs.Options(max_strategies=8)
    target = SteeringTarget(werner(0.9), measurements_from_spec("dodecahedron", 2))
    assert SOLVER.supports(target)  # accepted by kind; the size check raises with the reason
    with pytest.raises(ProblemTooLargeError, match=r"1024 deterministic strategies.*limit of 8.*fewer settings"):
        SOLVER.certify(target, opts)
    with pytest.raises(ProblemTooLargeError, match="1024"):
        SOLVER.critical_visibility(VisibilityFamily(werner()), target.measurements, opts)
    with pytest.raises(ProblemTooLargeError, match="64 deterministic"):
        SOLVER.certify(Assemblage.from_state(werner(0.9), measurements_from_spec("icosahedron", 2)), opts)


def test_cli_certify_past_the_limit_says_why():
    from quantcorr.cli.main import cli

    res = CliRunner().invoke(cli, ["certify", "--solver", "sdp-lhs", "--state", "werner", "--measurements",
                                   "dodecahedron", "--max-strategies", "100"])
    assert res.exit_code == 2 and "1024 deterministic strategies" in res.output
    assert "does not support" not in res.output


# ------------------------------------------------------------------ options (issue 10)

@pytest.mark.parametrize("field, value", [("tol", float("nan")), ("tol", 0.0), ("tol", 1.0), ("solver_tol", -1e-9),
                                          ("solver_tol", float("inf")), ("max_strategies", -1),
                                          ("sdp_solver", "gurobi")])
def test_impossible_options_are_refused(field, value):
    with pytest.raises(OptionError):
        SdpLhs.Options(**{field: value})


def test_cli_tol_nan_exits_2():
    from quantcorr.cli.main import cli

    res = CliRunner().invoke(cli, ["certify", "--solver", "sdp-lhs", "--state", "werner", "--measurements", "xz",
                                   "--tol", "nan"])
    assert res.exit_code == 2 and "Traceback" not in res.output


# ------------------------------------------------------------------ named quantities, estimate (issue 18)

def test_robustnesses_are_named_and_ordered():
    """Consistent robustness >= generalised robustness (the noise is restricted); equal for Werner
    (Bob's marginal is already I/2), larger for a partially entangled state."""
    for state, strict in ((werner(0.9), False), (partially_entangled(0.3, 1.0), True)):
        res = SOLVER.certify(SteeringTarget(state, PAULIS))
        q = res.quantities
        assert res.value == q["generalized_robustness"] and "steering_robustness" not in q
        assert q["consistent_robustness"] >= q["generalized_robustness"] - 1e-7
        assert (q["consistent_robustness"] > q["generalized_robustness"] + 1e-4) == strict
        assert "Piani" in res.message


def test_estimate_inside_its_bracket():
    for state, ms in ((werner(), PAULIS), (ghz(3), XZ), (partially_entangled(0.3, 1.0), XZ)):
        res = SOLVER.critical_visibility(VisibilityFamily(state), ms)
        assert res.lower <= res.estimate <= res.upper


def test_plugin_registers_without_heavy_imports():
    code = ("import sys, quantcorr_sdp.plugin; "
            "print(sorted(m for m in ('numpy', 'scipy', 'cvxpy', 'clarabel') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_conformance_with_several_parties_and_assemblages():
    testing = pytest.importorskip("quantcorr.testing")
    testing.check_certifier(SdpLhs, [SteeringTarget(ghz(3, 0.9), (XZ, trine_and_z())),
                                     SteeringTarget(ghz(3, 0.3), XZ),
                                     Assemblage.from_state(werner(0.8), PAULIS)])
