"""Tests of gradient-lhv (small budgets, seconds): the model's quantum side against brute force,
local vs nonlocal separation, agreement with bell-lp on a CHSH scenario, save/verify, resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402

from quantcorr.certifier import SteeringTarget  # noqa: E402
from quantcorr.cli.main import cli  # noqa: E402
from quantcorr.correlations import Behaviour  # noqa: E402
from quantcorr.linalg import bloch_projectors  # noqa: E402
from quantcorr.measurements import MeasurementSet, MeasurementSpace, measurements_from_spec  # noqa: E402
from quantcorr.states import ghz, w, werner  # noqa: E402
from quantcorr.testing import check_certifier, check_declared_targets  # noqa: E402
from quantcorr.threshold import TargetFamily  # noqa: E402
from quantcorr_gradient.lhv import GradientLhv, LhvOptions, task_for  # noqa: E402
from quantcorr_gradient.lhv_model import (DirectionSampler, QubitLhvModel, _joint, correlation_tensor,  # noqa: E402
                                          correlation_tensor_np, distribution_from_state, load_lhv_model)
from quantcorr_gradient.trainer import TrainConfig, Trainer  # noqa: E402

SMALL = dict(hidden=64, batch=64, test_batch=300, patience=50, progress=False)
S = 1 / np.sqrt(2)
CHSH_BOB = MeasurementSet.from_bloch(np.array([[S, 0, S], [-S, 0, S]]), "chsh-bob")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("state", [werner(0.7), ghz(3, 0.8), w(3, 0.6)])
def test_quantum_side_matches_brute_force(state):
    n = state.n_parties
    np.testing.assert_allclose(correlation_tensor(state.rho, n), correlation_tensor_np(state.rho, n), atol=1e-12)
    model = QubitLhvModel(n, 4, 3)
    model.set_state(state.rho)
    u = DirectionSampler(n, torch.float64, torch.device("cpu")).sample(8, np.random.default_rng(1))
    p = model.quantum(u).numpy()
    sets = [bloch_projectors(u[i].numpy()) for i in range(n)]  # (k, 2, 2, 2): outcome 0 along +u
    np.testing.assert_allclose(p, distribution_from_state(state.rho, state.dims, sets), atol=1e-12)
    assert np.allclose(p.reshape(p.shape[:n] + (-1,)).sum(-1), 1)


@pytest.mark.parametrize("n", [1, 3, 4])
def test_correlator_joint_matches_the_product_sum(n):
    """The (k+1)^n correlator route (every n but 2) equals mean_h prod_i p_i(a_i|u_i, h)."""
    model = QubitLhvModel(n, 16, 5, torch.Generator().manual_seed(n))
    with torch.no_grad():
        model.c.mul_(10)  # far from uniform responses
    u = DirectionSampler(n, torch.float64, torch.device("cpu")).sample(3**n, np.random.default_rng(0))
    with torch.no_grad():
        p, ref = model._joint_from_correlators(torch.sigmoid(model.features(u) @ model.c.transpose(1, 2))), _joint(
            model.responses(u))
    np.testing.assert_allclose(model.joint(u).detach().numpy(), p.numpy(), atol=1e-15)  # the model's route
    np.testing.assert_allclose(p.numpy(), ref.numpy(), atol=1e-13)
    assert p.shape == (3,) * n + (2,) * n and p.min() >= -1e-13


def test_defaults_scale_with_the_parties():
    pvm = MeasurementSpace("pvm", 2)
    two, three = task_for((werner(0.5), pvm), LhvOptions()), task_for((ghz(3, 0.5), pvm), LhvOptions())
    assert (two.budget.hidden, two.budget.steps, two.budget.patience, two.divergence) == (1024, 20000, 500, "tv")
    assert (three.budget.hidden, three.budget.steps, three.budget.patience, three.divergence) == (4096, 40000, 500,
                                                                                                 "kl")
    assert two.dtype == three.dtype == torch.float32 and two.session.options.lr == three.session.options.lr == 0.02
    assert task_for((ghz(4, 0.5), pvm), LhvOptions()).budget.hidden == 16384
    explicit = task_for((ghz(3, 0.5), pvm), LhvOptions(hidden=100, steps=7, divergence="tv", dtype="float64"))
    assert (explicit.budget.hidden, explicit.budget.steps, explicit.divergence, explicit.dtype) == (
        100, 7, "tv", torch.float64)
    table = task_for((ghz(3, 0.5), measurements_from_spec("xz", 2)), LhvOptions())  # finite sets: unchanged
    assert (table.budget.hidden, table.budget.steps, table.divergence) == (128, 5000, "tv")


def test_kl_training_gets_a_plateau_threshold_on_its_own_scale(monkeypatch):
    """KL losses are ~2 TV^2: the plateau rule's absolute threshold must be tolerance^2/20, not tolerance/20."""
    import quantcorr_gradient.session as session

    seen = []

    class Capture:
        def __init__(self, model, sample, config):
            seen.append(config.abs_improvement)

        def fit(self):
            return None

    monkeypatch.setattr(session, "Trainer", Capture)
    pvm = MeasurementSpace("pvm", 2)
    for state, divergence in ((ghz(3, 0.5), None), (werner(0.5), None), (werner(0.5), "kl")):
        task = task_for((state, pvm), LhvOptions(**dict(SMALL, divergence=divergence)))
        task.session.train(task.new_model(), 0, 1e-3, None, False)
    assert seen == pytest.approx([1e-6 / 20, 1e-3 / 20, 1e-6 / 20])


def test_distribution_matches_the_core_behaviour():
    alice = measurements_from_spec("xz", 2)
    beh = Behaviour.from_state(werner(0.8), alice, CHSH_BOB)
    p = distribution_from_state(werner(0.8).rho, (2, 2), [alice.elements, CHSH_BOB.elements])
    np.testing.assert_allclose(p, beh.p, atol=1e-12)


def test_local_and_nonlocal_are_separated(tmp_path):
    opts = dict(SMALL, hidden=256, batch=256, steps=800, model=str(tmp_path / "m.pt"))
    sep = GradientLhv().certify(SteeringTarget(werner(0.3), MeasurementSpace("pvm", 2)), LhvOptions(**opts))
    assert sep.verdict.value == "local" and sep.rigor.value == "numerical", sep.message
    ent = GradientLhv().certify(SteeringTarget(werner(1.0), MeasurementSpace("pvm", 2)), LhvOptions(**opts))
    assert ent.verdict.value == "inconclusive" and ent.value > 0.02 and ent.rigor is None


@pytest.mark.parametrize("v", [0.6, 0.85])
def test_chsh_scenario_agrees_with_bell_lp(v, tmp_path):
    from quantcorr.plugins import get_registry

    beh = Behaviour.from_state(werner(v), measurements_from_spec("xz", 2), CHSH_BOB)
    lp = get_registry().certifier("bell-lp").certify(beh)
    (res,) = check_certifier(GradientLhv, [beh], LhvOptions(**dict(SMALL, steps=1500, model=str(tmp_path / "m.pt"))))
    assert lp.verdict.value == ("local" if v < 2**-0.5 else "nonlocal")
    assert res.verdict.value == ("local" if lp.verdict.value == "local" else "inconclusive"), res.message


def test_chsh_threshold_scan_brackets_one_over_sqrt2(tmp_path):
    beh = Behaviour.from_state(werner(1.0), measurements_from_spec("xz", 2), CHSH_BOB)
    fam = TargetFamily(beh, Behaviour.from_state(werner(0.0), measurements_from_spec("xz", 2), CHSH_BOB))
    opts = LhvOptions(**dict(SMALL, steps=1200, v_min=0.55, v_max=0.85, points=7, model=str(tmp_path / "m.pt")))
    res = GradientLhv().critical_visibility(fam, None, opts)
    assert res.lower <= 2**-0.5 <= res.upper and res.quantities["largest_local_v"] == pytest.approx(0.7)
    assert abs(res.estimate - 2**-0.5) < 0.01, res.table


def test_save_verify_round_trip(tmp_path):
    res = GradientLhv().certify(SteeringTarget(werner(0.3), MeasurementSpace("pvm", 2)),
                                LhvOptions(**dict(SMALL, steps=200, model=str(tmp_path / "m.pt"), dtype="float64",
                                                  checkpoint=str(tmp_path / "ck.pt"))))
    model, meta = load_lhv_model(res.certificate.path)
    assert model.hidden == 64 and meta["loss_mean"] == pytest.approx(res.value)
    from_checkpoint, _ = load_lhv_model(tmp_path / "ck.pt")  # a training checkpoint reloads too
    assert torch.equal(from_checkpoint.c, model.c)
    out = CliRunner().invoke(cli, ["verify", res.certificate.path, "-s", "werner", "-p", "v=0.3", "-m", "pvm",
                                   "--samples", "300", "--seed", "12345", "--json", "-"])
    data = json.loads(out.output)
    assert data["loss_mean"] == pytest.approx(res.value, rel=1e-9)  # the same directions as the test batch
    assert data["verdict"] == res.verdict.value and out.exit_code == (0 if data["verdict"] == "local" else 1)
    bad = CliRunner().invoke(cli, ["verify", res.certificate.path, "-s", "ghz", "-m", "pvm"])
    assert bad.exit_code == 2 and "2 qubits" in bad.output


def test_float32_default_verifies_in_float64(tmp_path):
    """The default float32 training: `verify` re-evaluates the saved model in float64 (float64
    directions) and finds the same test loss to float32 rounding."""
    res = GradientLhv().certify(SteeringTarget(ghz(3, 0.3), MeasurementSpace("pvm", 2)),
                                LhvOptions(**dict(SMALL, steps=150, model=str(tmp_path / "m.pt"))))
    assert res.certificate.path and res.quantities["budget"]["hidden"] == 64
    out = CliRunner().invoke(cli, ["verify", res.certificate.path, "-s", "ghz", "-p", "n=3", "-p", "v=0.3", "-m",
                                   "pvm", "--samples", "300", "--seed", "12345", "--json", "-"])
    assert json.loads(out.output)["loss_mean"] == pytest.approx(res.value, rel=1e-4, abs=1e-6)


class _Interrupt(Exception):
    pass


def test_resume_after_interruption_equals_straight_run(tmp_path):
    sampler = DirectionSampler(3, torch.float64, torch.device("cpu"))

    def run(checkpoint=None, resume=False, stop_at=None):
        model = QubitLhvModel(3, 8, 3, torch.Generator().manual_seed(2))
        model.set_state(ghz(3, 0.5).rho)
        calls = [0]

        def sample(n, rng):
            calls[0] += 1
            if stop_at is not None and calls[0] > stop_at:
                raise _Interrupt
            return sampler.sample(n, rng)

        trainer = Trainer(model, sample, TrainConfig(steps=40, batch=27, lr=0.05, seed=3, patience=10,
                                                     checkpoint=checkpoint, checkpoint_every=20, resume=resume,
                                                     progress=False))
        try:
            trainer.fit()
        except _Interrupt:
            pass
        return model, trainer

    straight, _ = run()
    ck = str(tmp_path / "ck.pt")
    run(ck, stop_at=20)
    resumed, trainer = run(ck, resume=True)
    assert trainer.log.resumed_from == 20 and trainer.step == 40
    assert torch.equal(straight.c, resumed.c)


def test_declared_targets_and_refusals():
    check_declared_targets("gradient-lhv")
    assert not GradientLhv().supports(SteeringTarget(werner(0.5), MeasurementSpace("povm", 2)))
    assert GradientLhv().supports(SteeringTarget(ghz(3, 0.5), measurements_from_spec("xz", 2)))
