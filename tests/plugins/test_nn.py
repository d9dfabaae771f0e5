"""Tests of the nn plugin: samplers, labels, features, SVM/NN/gauge round trips, the learn CLI,
model-file integrity and the svm-chsh / nn-chsh solvers (small sizes: the file runs in well
under a minute)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from click.testing import CliRunner  # noqa: E402

from quantcorr.cli.main import cli  # noqa: E402
from quantcorr.correlations import Behaviour, pr_box  # noqa: E402
from quantcorr.errors import InputFileError, OutputPathError, UnsupportedTargetError  # noqa: E402
from quantcorr.testing import check_certifier  # noqa: E402
from quantcorr_nn import dataset as ds  # noqa: E402
from quantcorr_nn.certifier import LearnedOptions, NnChsh, SvmChsh  # noqa: E402
from quantcorr_nn.classifier import load_classifier  # noqa: E402
from quantcorr_nn.features import features  # noqa: E402
from quantcorr_nn.geometry import (  # noqa: E402
    full_coordinates, ns_max_scaling, ns_slack, q1_scaling, sample_ns, tlm_contains, tlm_max_scaling)
from quantcorr_nn.labels import NpaLabeller, make_labeller  # noqa: E402
from quantcorr_nn.metrics import classification_metrics  # noqa: E402
from quantcorr_nn.samplers import balanced, boundary  # noqa: E402

SQ2 = np.sqrt(2)
TSIRELSON = np.array([1, 1, 1, -1]) / SQ2


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def chsh_behaviour(coords) -> Behaviour:
    return Behaviour.from_chsh(np.asarray(coords, float))


# --- geometry and samplers -------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), space=st.sampled_from([4, 8]), n=st.integers(1, 300))
def test_ns_samples_are_valid_behaviours(seed, space, n):
    x = sample_ns(n, space, np.random.default_rng(seed))
    assert x.shape == (n, space)
    assert (ns_slack(x) >= 0).all()
    Behaviour.from_chsh(full_coordinates(x)[0])  # the core validator agrees


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), space=st.sampled_from([4, 8]))
def test_ns_max_scaling_reaches_a_facet(seed, space):
    u = sample_ns(50, space, np.random.default_rng(seed))
    lam = ns_max_scaling(u)
    assert np.allclose(ns_slack(lam[:, None] * u), 0, atol=1e-12)
    assert (ns_slack(1.001 * lam[:, None] * u) < 0).all()


def test_tlm_known_points():
    assert tlm_contains(TSIRELSON[None])[0]
    assert not tlm_contains(np.array([[1, 1, 1, -1.0]]))[0]
    # PR box with white noise is quantum iff v <= 1/sqrt2
    v = np.array([1 / SQ2 - 1e-9, 1 / SQ2 + 1e-9])
    assert tlm_contains(v[:, None] * np.array([1, 1, 1, -1.0])).tolist() == [True, False]
    assert np.isclose(tlm_max_scaling(np.array([[1, 1, 1, -1.0]]))[0], 1 / SQ2, atol=1e-12)
    # q1_scaling reduces to TLM on the zero-marginal slice
    u = sample_ns(200, 4, np.random.default_rng(3))
    assert np.allclose(q1_scaling(full_coordinates(u)), tlm_max_scaling(u), rtol=1e-9)


def test_balanced_sampler_halves_and_labels_match_tlm():
    rng = np.random.default_rng(0)
    out = balanced(400, 4, rng, make_labeller(4))
    assert out["y"].sum() == 200 and len(out["y"]) == 400
    assert (ns_slack(out["x"]) >= 0).all()
    assert np.array_equal(out["y"].astype(bool), tlm_contains(out["x"]))


@pytest.mark.parametrize("sigma", [1e-2, 1e-3])
def test_boundary_pairs_straddle_the_quantum_boundary(sigma):
    out = boundary(200, 4, np.random.default_rng(1), make_labeller(4), sigma)
    x, y = out["x"], out["y"]
    assert len(x) == 200 and (y[0::2] == 1).all() and (y[1::2] == 0).all()
    assert np.array_equal(tlm_contains(x), y.astype(bool))
    assert (ns_slack(x) >= 0).all()
    assert np.allclose(x[0::2] / (1 - sigma), x[1::2] / (1 + sigma))
    assert len(out["u"]) >= 100 and out["pair_dir"].max() < len(out["u"])


class FakeBatch:
    """Stands in for NpaBatch: TLM labels (exact at zero marginals), counting the points asked."""

    def __init__(self):
        self.asked = 0

    def contains(self, x):
        self.asked += len(x)
        return tlm_contains(x)

    def max_scaling(self, u):
        return tlm_max_scaling(u)


def test_npa_shortcuts_are_exact_and_skip_the_sdp(monkeypatch):
    fake = FakeBatch()
    monkeypatch.setattr("quantcorr_nn.labels.npa_batch", lambda level, space: fake)
    lab = NpaLabeller("1+AB", 8)
    x = full_coordinates(sample_ns(3000, 4, np.random.default_rng(2)))
    x = np.concatenate([x, [[0.5, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1.5]]])  # local; outside NS
    got = lab.contains(x)
    assert np.array_equal(got[:-1], tlm_contains(x[:-1])) and not got[-1]
    assert 0 < fake.asked < 0.4 * len(x)
    u = x[:500]
    assert np.allclose(lab.max_scaling(u), tlm_max_scaling(u), rtol=1e-12)


def test_npa_labels_agree_with_tlm_in_4d():
    pytest.importorskip("quantcorr_npa.batched")
    x = sample_ns(500, 4, np.random.default_rng(4))
    assert np.array_equal(make_labeller(4, method="npa").contains(x), tlm_contains(x))


def test_tlm_feature_margin_decides_membership():
    x = sample_ns(500, 4, np.random.default_rng(5))
    f = features(x, "raw,tlm")
    assert f.shape == (500, 4 + 4 + 4 + 1)
    assert np.array_equal(f[:, -1] <= 0, tlm_contains(x))


def test_metrics_baseline_and_balanced():
    y = np.array([1, 1, 1, 0])
    m = classification_metrics(y, np.array([1.0, 1.0, 1.0, 1.0]))
    assert m["accuracy"] == m["baseline_accuracy"] == 0.75 and m["balanced_accuracy"] == 0.5
    assert m["confusion"]["matrix"] == [[0, 1], [0, 3]]


# --- datasets: resume and output checks ------------------------------------------------------

def test_learn_data_resumes_from_finished_chunks(tmp_path, monkeypatch):
    kwargs = dict(space=4, sampler="uniform", n=900, seed=3, chunk=300, progress=False)
    ref = ds.generate(tmp_path / "ref.npz", **kwargs)
    real = ds.sample_chunk
    calls = []

    def flaky(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(ds, "sample_chunk", flaky)
    with pytest.raises(KeyboardInterrupt):
        ds.generate(tmp_path / "d.npz", **kwargs)
    monkeypatch.setattr(ds, "sample_chunk", real)
    with pytest.raises(OutputPathError, match="different run"):
        ds.generate(tmp_path / "d.npz", **{**kwargs, "seed": 4})
    out = ds.generate(tmp_path / "d.npz", **kwargs)
    assert out["resumed_chunks"] == 2 and ref["resumed_chunks"] == 0
    a, b = ds.load_dataset(tmp_path / "ref.npz"), ds.load_dataset(tmp_path / "d.npz")
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["y"], b["y"])
    assert not (tmp_path / "d.npz.parts").exists()
    with pytest.raises(OutputPathError, match="exists"):
        ds.generate(tmp_path / "d.npz", **kwargs)


def test_learn_data_cli_checks_output_before_work(tmp_path):
    r = CliRunner().invoke(cli, ["learn", "data", "--space", "4", "--sampler", "uniform", "--n", "10",
                                 "--out", str(tmp_path / "missing" / "d.npz")])
    assert r.exit_code == 2 and "does not exist" in r.output


# --- training, evaluation, model files -------------------------------------------------------

@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny dataset and one model of each kind, trained through the CLI."""
    d = tmp_path_factory.mktemp("learn")
    run = CliRunner()
    for args in (["--sampler", "balanced", "--n", "800", "--out", str(d / "u.npz")],
                 ["--sampler", "boundary", "--n", "400", "--out", str(d / "b.npz")]):
        r = run.invoke(cli, ["learn", "data", "--space", "4", "--seed", "1", "--no-progress", *args])
        assert r.exit_code == 0, r.output
    for args in (["--sampler", "uniform", "--n", "400", "--out", str(d / "u8.npz")],
                 ["--sampler", "curved", "--n", "200", "--out", str(d / "c8.npz")]):
        r = run.invoke(cli, ["learn", "data", "--space", "8", "--seed", "2", "--no-progress", *args])
        assert r.exit_code == 0, r.output
    models = {}
    for kind, name, data, extra in (("svm", "s.npz", "u.npz", ["--cv-max", "300"]),
                                    ("nn", "n.pt", "u.npz", ["--epochs", "30"]),
                                    ("gauge", "g.pt", "c8.npz", ["--epochs", "5", "--hidden", "16,8"])):
        r = run.invoke(cli, ["learn", "train", "--model", kind, "--data", str(d / data), "--out", str(d / name),
                             "--features", "raw,tlm", "--no-progress", "--json", "-", *extra])
        assert r.exit_code == 0, r.output
        models[kind] = d / name
    return d, models


@pytest.mark.parametrize("kind", ["svm", "nn", "gauge"])
def test_train_eval_round_trip(trained, kind):
    d, models = trained
    data, pairs = ("u8.npz", "c8.npz") if kind == "gauge" else ("u.npz", "b.npz")
    r = CliRunner().invoke(cli, ["learn", "eval", "--model", str(models[kind]), "--data", str(d / data),
                                 "--boundary", str(d / pairs), "--json", "-"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    m = rep["metrics"]
    if kind != "gauge":
        assert rep["scope"].startswith("held-out test split") and m["n"] == 120
        assert m["balanced_accuracy"] > 0.9 and m["accuracy"] > m["baseline_accuracy"]
    else:  # uniform 8-dim points: only the few open ones reach the (barely trained) network
        assert m["n"] == 400 and m["accuracy"] >= m["baseline_accuracy"]
        assert rep["spread_source"].startswith("test-split pairs")
    assert [s["sigma"] for s in rep["spread"]] == [1e-2, 1e-3]
    assert all(0 <= s["accuracy"] <= 1 and s["pairs"] > 0 for s in rep["spread"])


def test_svm_numpy_decision_matches_sklearn(trained):
    from sklearn.svm import SVC

    model = load_classifier(trained[1]["svm"])
    x = ds.load_dataset(trained[0] / "u.npz")["x"][:300]
    y = tlm_contains(x).astype(int)
    z = (features(x, model.features) - model.mean) / model.std
    clf = SVC(kernel="rbf", C=10.0, gamma=model.gamma).fit(z, y)
    model.sv, model.dual, model.intercept = clf.support_vectors_, clf.dual_coef_[0], float(clf.intercept_[0])
    assert np.allclose(model.decision(x), clf.decision_function(z), atol=1e-9)


def test_eval_plot(trained, tmp_path):
    pytest.importorskip("matplotlib")
    d, models = trained
    r = CliRunner().invoke(cli, ["learn", "eval", "--model", str(models["nn"]), "--data", str(d / "b.npz"),
                                 "--plot", str(tmp_path / "p.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_corrupted_or_edited_models_are_refused(trained, tmp_path):
    _, models = trained
    raw = models["nn"].read_bytes()
    bad = tmp_path / "bad.pt"
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputFileError, match="cannot read nn model"):
        load_classifier(bad)
    blob = torch.load(models["nn"], weights_only=True)
    blob["tensors"]["net.layers.0.bias"] += 0.1
    edited = tmp_path / "edited.pt"
    torch.save(blob, edited)
    with pytest.raises(InputFileError, match="checksum mismatch"):
        load_classifier(edited)
    with np.load(models["svm"], allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["intercept"] = arrays["intercept"] + 1.0
    np.savez(tmp_path / "edited.npz", **arrays)
    r = CliRunner().invoke(cli, ["certify", "--solver", "svm-chsh", "--behaviour", "tsirelson",
                                 "--model", str(tmp_path / "edited.npz")])
    assert r.exit_code == 2 and "checksum mismatch" in r.output and "Traceback" not in r.output


# --- solvers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["nn-chsh", "svm-chsh"])
def test_certify_named_behaviours_predict(solver):
    run = CliRunner()
    verdicts = {}
    for name in ("tsirelson", "pr-box"):
        r = run.invoke(cli, ["certify", "--solver", solver, "--behaviour", name, "--json", "-"])
        assert r.exit_code == 0, r.output
        res = json.loads(r.output)
        assert res["rigor"] == "prediction" and res["question"] == "quantum-set"
        verdicts[name] = res["verdict"]
    assert verdicts == {"tsirelson": "quantum", "pr-box": "not-quantum"}  # a boundary point of Q is quantum


def test_out_of_space_behaviour_is_refused(trained):
    _, models = trained
    marg = ["--behaviour", "chsh:0.3,0,0,0,0.5,0.5,0.5,-0.5"]
    r = CliRunner().invoke(cli, ["certify", "--solver", "svm-chsh", *marg, "--model", str(models["svm"])])
    assert r.exit_code == 2 and "zero-marginal" in r.output and len(r.output.strip().splitlines()) == 1
    three = Behaviour(np.full((3, 2, 2, 2), 0.25))
    assert not NnChsh().supports(three)
    with pytest.raises(UnsupportedTargetError):
        NnChsh().certify(three)
    with pytest.raises(InputFileError, match="takes a svm model"):
        SvmChsh().certify(pr_box(), LearnedOptions(model=str(models["nn"])))


def test_conformance():
    targets = [chsh_behaviour(TSIRELSON), pr_box(), chsh_behaviour([0.2, -0.1, 0.3, 0.0, 0.1, 0.2, 0.3, 0.1])]
    for cls in (SvmChsh, NnChsh):
        results = check_certifier(cls, targets)
        assert results[1].verdict.value == "not-quantum"
        assert all(r.rigor.value == "prediction" for r in results)


def test_plugin_and_learn_group_import_nothing_heavy():
    code = ("import sys, quantcorr_nn.plugin, quantcorr_nn.cli; "
            "print(sorted(m for m in ('numpy', 'torch', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cuda_request_without_cuda_is_refused(trained, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    d, _ = trained
    r = CliRunner().invoke(cli, ["learn", "train", "--model", "nn", "--data", str(d / "u.npz"), "--device", "cuda",
                                 "--out", str(tmp_path / "m.pt"), "--no-progress"])
    assert r.exit_code == 2 and "no CUDA device" in r.output


def test_train_refuses_to_write_its_model_over_its_data(tmp_path):
    from quantcorr_nn import dataset as ds
    from quantcorr_nn.train import train

    data = tmp_path / "d.npz"
    ds.generate(data, space=4, sampler="uniform", n=200, seed=1)
    before = data.read_bytes()
    with pytest.raises(OutputPathError, match="input"):
        train("svm", data, data, overwrite=True)
    assert data.read_bytes() == before


# --- curved rays, symmetry and the gauge model's exact parts ---------------------------------

def test_curved_sampler_keeps_open_rays_and_agrees_with_npa_bisection():
    batched = pytest.importorskip("quantcorr_npa.batched")
    from quantcorr_nn.geometry import open_rays
    from quantcorr_nn.samplers import sample_chunk

    out = sample_chunk("curved", 8, 8, np.random.default_rng(7), make_labeller(8), 1e-2)
    u, lam, lam_ns = out["u"], out["lam"], out["lam_ns"]
    assert open_rays(u).all() and len(out["pair_dir"]) == 4
    curved = lam < lam_ns * (1 - 1e-9)
    assert curved[out["pair_dir"]].all()
    # lambda* against an independent check: NpaBatch membership just inside and just outside
    npa = batched.NpaBatch(level="1+AB", space=8)
    k = np.flatnonzero(curved)[:6]
    assert npa.contains((1 - 1e-5) * lam[k, None] * u[k]).all()
    assert not npa.contains((1 + 1e-5) * lam[k, None] * u[k]).any()


def test_symmetry_group_preserves_the_sets():
    from quantcorr_nn.geometry import CHSH_SIGNS, q1_correlators
    from quantcorr_nn.symmetry import GROUP, STABILISER, canonical

    assert len(GROUP) == 128 and len(STABILISER) == 16
    keys = {g.tobytes() for g in GROUP}
    rng = np.random.default_rng(8)
    for a, b in rng.integers(0, 128, size=(20, 2)):
        assert (GROUP[a] @ GROUP[b]).tobytes() in keys  # closed under products
    u = sample_ns(300, 8, rng)
    for g in GROUP[rng.integers(0, 128, 6)]:
        v = u @ g.T
        assert (ns_slack(v) >= 0).all()
        assert np.allclose(ns_max_scaling(v), ns_max_scaling(u)) and np.allclose(q1_scaling(v), q1_scaling(u))
    sums = np.arcsin(q1_correlators(canonical(u))) @ CHSH_SIGNS.T
    assert np.allclose(sums[:, 0], np.abs(sums).max(axis=1))


def test_known_labels_decide_the_zero_marginal_slice_exactly():
    from quantcorr_nn.geometry import known_labels

    e = sample_ns(400, 4, np.random.default_rng(9))
    known, label = known_labels(full_coordinates(e))
    assert known.all() and np.array_equal(label, tlm_contains(e))
    known, label = known_labels(full_coordinates(TSIRELSON[None]))
    assert known[0] and label[0]  # a boundary point of Q is quantum


def test_gauge_is_exact_on_the_zero_marginal_slice_and_symmetric(trained):
    from quantcorr_nn.symmetry import GROUP

    model = load_classifier(trained[1]["gauge"])
    assert model.meta["symmetry"] and not model.meta["exact_rules"]
    e = full_coordinates(sample_ns(500, 4, np.random.default_rng(10)))
    assert np.array_equal(model.gap(q1_scaling(e)[:, None] * e), np.zeros(len(e)))
    assert np.array_equal(model.predict(e).astype(bool), tlm_contains(e))
    v = np.array([1 / SQ2 - 1e-6, 1 / SQ2, 1 / SQ2 + 1e-6])
    pr_line = full_coordinates(v[:, None] * np.array([1, 1, 1, -1.0]))
    assert model.predict(pr_line).tolist() == [1, 1, 0]  # Tsirelson point (v = 1/sqrt2) included
    # the learned gap is invariant under the 128 symmetries
    u = sample_ns(200, 8, np.random.default_rng(11))
    b = q1_scaling(u)[:, None] * u
    r = model.gap(b)
    assert r.max() > 0
    for g in GROUP[[3, 50, 101]]:
        assert np.allclose(model.gap(b @ g.T), r, rtol=1e-9, atol=1e-15)


def test_gauge_and_hidden_options_are_checked(trained, tmp_path):
    d, _ = trained
    run = CliRunner()
    r = run.invoke(cli, ["learn", "train", "--model", "gauge", "--data", str(d / "b.npz"), "--out",
                         str(tmp_path / "g.pt"), "--no-progress"])
    assert r.exit_code == 2 and "space 4" in r.output and len(r.output.strip().splitlines()) == 1
    r = run.invoke(cli, ["learn", "train", "--model", "nn", "--data", str(d / "u.npz"), "--out",
                         str(tmp_path / "n.pt"), "--hidden", "64,x", "--no-progress"])
    assert r.exit_code == 2 and "--hidden" in r.output
