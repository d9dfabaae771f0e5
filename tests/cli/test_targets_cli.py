"""Issue-level checks of the target options of certify/threshold and `quantcorr targets`."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from plugin_dist import make_plugin, run_cli
from quantcorr import Assemblage, werner
from quantcorr.cli.main import cli
from quantcorr.measurements import measurements_from_spec

XZ = measurements_from_spec("xz", 2)


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def certify_json(*args):
    res = invoke("certify", *args, "--json", "-")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_ghz_two_black_box_parties_steer_the_third():
    hi = certify_json("--solver", "sdp-lhs", "--state", "ghz", "--param", "n=3", "--param", "v=1", "--measurements", "xz")
    lo = certify_json("--solver", "sdp-lhs", "--state", "ghz", "--param", "n=3", "--param", "v=0.2", "--measurements", "xz")
    assert hi["verdict"] == "steerable" and hi["rigor"] == "certified"
    assert lo["verdict"] == "unsteerable"


def test_assemblage_file_matches_state_form(tmp_path):
    np.save(tmp_path / "A.npy", Assemblage.from_state(werner(0.72), XZ).sigma)
    a = certify_json("--solver", "sdp-lhs", "--assemblage", str(tmp_path / "A.npy"))
    s = certify_json("--solver", "sdp-lhs", "--state", "werner", "--param", "v=0.72", "--measurements", "xz")
    assert a["verdict"] == s["verdict"] == "steerable"
    assert abs(a["value"] - s["value"]) < 1e-7
    assert a["target_spec"]["kind"] == "assemblage" and len(next(iter(a["target_spec"]["sha256"].values()))) == 64
    assert s["target_spec"] == {"kind": "state", "state": "werner", "measurements": "xz", "params": {"v": "0.72"}}


def test_assemblage_threshold_equals_state_threshold(tmp_path):
    np.save(tmp_path / "A.npy", Assemblage.from_state(werner(1.0), XZ).sigma)
    out = {}
    for key, target in (("asm", ["--assemblage", str(tmp_path / "A.npy")]),
                        ("state", ["--state", "werner", "--measurements", "xz"])):
        res = invoke("threshold", "--solver", "sdp-lhs", *target, "--json", "-")
        assert res.exit_code == 0, res.output
        out[key] = json.loads(res.output)["estimate"]
    assert abs(out["asm"] - 2 ** -0.5) < 1e-6 and abs(out["state"] - 2 ** -0.5) < 1e-6


def test_targets_lists_builtin_behaviours():
    res = invoke("targets", "--json")
    assert res.exit_code == 0
    doc = json.loads(res.output)
    names = {b["name"] for b in doc["behaviours"]}
    assert {"pr-box", "tsirelson", "white-noise"} <= names
    assert {"werner", "ghz"} <= {s["name"] for s in doc["states"]}


NAMED = """
import numpy as np
from quantcorr import hookimpl
from quantcorr.registration import NamedTarget, TargetParam


def mixed_werner_xz(v=1.0):
    from quantcorr import Assemblage, werner
    from quantcorr.measurements import measurements_from_spec
    return Assemblage.from_state(werner(v), measurements_from_spec("xz", 2))


@hookimpl
def register_targets(register):
    register(NamedTarget("werner-xz-asm", "assemblage", mixed_werner_xz, "Werner xz assemblage",
                         (TargetParam("v", float, 1.0, "visibility"),), visibility="v"))
"""


def test_plugin_named_assemblage_is_listed_and_usable(tmp_path):
    root = make_plugin(tmp_path, "qc_named", "qc_named_mod", NAMED)
    listed = json.loads(run_cli(["targets", "--json"], root).stdout)
    assert any(a["name"] == "werner-xz-asm" and a["plugin"] == "qc_named" for a in listed["assemblages"])
    out = run_cli(["certify", "--solver", "sdp-lhs", "--assemblage", "werner-xz-asm", "--param", "v=0.72",
                   "--json", "-"], root)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["verdict"] == "steerable"
    thr = run_cli(["threshold", "--solver", "sdp-lhs", "--assemblage", "werner-xz-asm", "--json", "-"], root)
    assert abs(json.loads(thr.stdout)["estimate"] - 2 ** -0.5) < 1e-6


def test_duplicate_named_target_names_both_plugins(tmp_path):
    src = NAMED.replace("werner-xz-asm", "pr-box").replace('"assemblage", mixed', '"behaviour", mixed')
    root = make_plugin(tmp_path, "qc_dup", "qc_dup_mod", src)
    plugins = json.loads(run_cli(["plugins", "--json"], root).stdout)
    err = next(p for p in plugins if p["name"] == "qc_dup")["errors"][0]
    assert "'core'" in err and "'qc_dup'" in err and "pr-box" in err


def test_solver_that_does_not_take_the_target_names_those_that_do():
    res = invoke("certify", "--solver", "polytope-lhs", "--behaviour", "pr-box")
    assert res.exit_code == 2
    assert "does not support" in res.output


def test_threshold_of_a_state_without_visibility_reports_no_threshold():
    res = invoke("threshold", "--solver", "sdp-lhs", "--state", "product", "--measurements", "paulis", "--json", "-")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["estimate"] is None and out["lower"] == 1.0 and "no threshold" in out["message"]


def test_non_square_state_file_with_dims_matches_json(tmp_path):
    rng = np.random.default_rng(3)
    g = rng.standard_normal((6, 6)) + 1j * rng.standard_normal((6, 6))
    rho = g @ g.conj().T
    rho /= np.trace(rho)
    np.save(tmp_path / "r.npy", rho)
    (tmp_path / "r.json").write_text(json.dumps({"real": rho.real.tolist(), "imag": rho.imag.tolist(), "dims": [2, 3]}))
    res = invoke("threshold", "--solver", "sdp-lhs", "--state", str(tmp_path / "r.npy"), "--measurements", "paulis")
    assert res.exit_code == 2 and "dims" in res.output
    a = invoke("threshold", "--solver", "sdp-lhs", "--state", str(tmp_path / "r.npy"), "--dims", "2,3",
               "--measurements", "paulis", "--json", "-")
    b = invoke("threshold", "--solver", "sdp-lhs", "--state", str(tmp_path / "r.json"), "--measurements", "paulis",
               "--json", "-")
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    ea, eb = json.loads(a.output), json.loads(b.output)
    assert ea["estimate"] == pytest.approx(eb["estimate"], abs=1e-7) or ea["lower"] == eb["lower"]


@pytest.mark.parametrize("args, fragment", [
    (["--state", "werner", "--measurements", "xz", "--behaviour", "pr-box"], "exactly one target"),
    ([], "exactly one target"),
    (["--state", "werner"], "needs --measurements"),
    (["--behaviour", "pr-box", "--measurements", "xz"], "only go with --state"),
    (["--behaviour", "pr-box", "--param", "v=2"], "[0, 1]"),
    (["--behaviour", "chsh:1,1"], "4 or 8"),
    (["--behaviour", "nope"], "unknown behaviour"),
    (["--assemblage", "nope"], "unknown assemblage"),
    (["--state", "ghz", "--param", "n=3", "--measurements", "xz|xz|xz"], "3 sets"),
    (["--state", "werner", "--measurements", "xz", "--bob-measurements", "pvm"], "finite"),
    (["--state", "werner", "--measurements", "xz", "--dims", "2,2"], "--dims is for state files"),
])
def test_bad_target_options_one_line_exit_2(args, fragment):
    res = invoke("certify", "--solver", "sdp-lhs", *args)
    assert res.exit_code == 2, res.output
    assert fragment in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_pseudo_assemblage_needs_the_explicit_flag_and_a_solver_that_takes_it(tmp_path):
    z = np.diag([1.0, -1.0])
    w = np.eye(8) / 8 + 0.3 * np.kron(np.kron(z, z), z)  # Hermitian, unit trace, not PSD
    np.save(tmp_path / "W.npy", w)
    target = ["--assemblage", "gleason", "--param", f"witness={tmp_path / 'W.npy'}", "--param", "measurements=xz"]
    res = invoke("certify", "--solver", "almost-quantum", *target)
    assert res.exit_code == 2 and "--allow-non-psd" in res.output
    res = invoke("certify", "--solver", "sdp-lhs", *target, "--allow-non-psd")
    assert res.exit_code == 2 and "needs PSD" in res.output
    res = invoke("certify", "--solver", "almost-quantum", *target, "--allow-non-psd", "--json", "-")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["verdict"] in ("post-quantum", "inconclusive")
