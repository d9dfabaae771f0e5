import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from quantcorr.cli.main import cli


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_help_is_fast_and_light():
    code = ("import sys, time; t = time.perf_counter(); from quantcorr.cli.main import cli\n"
            "try:\n    cli(['--help'], standalone_mode=False)\nexcept SystemExit: pass\n"
            "print(time.perf_counter() - t, 'torch' in sys.modules, 'cvxpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    t, torch, cvxpy = out.stdout.strip().splitlines()[-1].split()
    assert torch == "False" and cvxpy == "False"
    assert float(t) < 1.0


def _state_file(tmp_path, rho, name="s.npy"):
    path = tmp_path / name
    np.save(path, np.asarray(rho, complex))
    return str(path)


def _assert_one_line_error(res, *words):
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), res.stderr
    assert "Traceback" not in res.output
    for w in words:
        assert w in lines[0]


@pytest.mark.parametrize("rho, words", [
    (np.array([[0.25, 0.3, 0, 0], [0.1, 0.25, 0, 0], [0, 0, 0.25, 0], [0, 0, 0, 0.25]]), ["not Hermitian"]),
    (np.diag([0.6, 0.6, -0.2, 0.0]), ["not positive semidefinite"]),
    (np.eye(4) / 2, ["trace", "2"]),
    (np.full((4, 4), np.nan), ["NaN"]),
])
def test_bad_state_files(tmp_path, rho, words):
    res = invoke("certify", "--solver", "sdp-lhs", "--state", _state_file(tmp_path, rho), "-m", "xz")
    _assert_one_line_error(res, *words)


def test_bad_povm_file_and_dimension_mismatch(tmp_path):
    bad = tmp_path / "povm.json"
    bad.write_text(json.dumps({"povms": [[[[1, 0], [0, 0]], [[0, 0], [0, 0.5]]]]}))
    _assert_one_line_error(invoke("certify", "--solver", "sdp-lhs", "--state", "werner", "-p", "v=0.5",
                                  "-m", str(bad)), "identity")
    _assert_one_line_error(invoke("certify", "--solver", "sdp-lhs", "--state", "isotropic", "-p", "d=3",
                                  "-m", "paulis"), "dimension")
    qutrit = tmp_path / "q.npy"
    np.save(qutrit, np.array([np.diag([1, 0, 0]), np.diag([0, 1, 1])], complex)[None])
    _assert_one_line_error(invoke("certify", "--solver", "sdp-lhs", "--state", "werner", "-m", str(qutrit)),
                           "dimension")


def test_unknown_names():
    _assert_one_line_error(invoke("certify", "--solver", "nope", "--state", "werner", "-m", "xz"), "unknown solver")
    _assert_one_line_error(invoke("certify", "--solver", "sdp-lhs", "--state", "werner", "-m", "tetrahedra"),
                           "unknown measurements")
    _assert_one_line_error(invoke("certify", "--solver", "sdp-lhs", "--state", "wernr", "-m", "xz"), "unknown state")
    _assert_one_line_error(invoke("certify", "--solver", "sdp-lhs", "--state", "werner", "-m", "xz",
                                  "--no-such-option", "1"), "no option")
    _assert_one_line_error(invoke("certify", "--state", "werner", "-m", "xz"), "--solver")
    _assert_one_line_error(invoke("certify", "--solver", "sdp-lhs", "--state", "werner", "-p", "v=2", "-m", "xz"),
                           "[0, 1]")


def test_solvers_and_plugins_json():
    res = invoke("solvers", "--json")
    assert res.exit_code == 0
    rows = json.loads(res.stdout)
    assert all({"name", "questions", "available", "rigor"} <= set(r) for r in rows)
    res = invoke("plugins", "--json")
    assert res.exit_code == 0
    assert any(p["name"] == "core" for p in json.loads(res.stdout))
    assert invoke("solvers").exit_code == 0 and invoke("plugins").exit_code == 0


def test_console_script_exit_code_and_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "quantcorr", "certify", "--solver", "nope", "--state", "werner",
                          "-m", "xz"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.strip().startswith("Error:") and len(out.stderr.strip().splitlines()) == 1
