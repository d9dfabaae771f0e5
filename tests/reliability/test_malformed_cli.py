"""The CLI as a clumsy or hostile user drives it: every malformed input is one line on stderr,
exit status 2, no traceback, and no work done."""

import dataclasses
import json
import typing

import numpy as np
import pytest
from click.testing import CliRunner

from quantcorr import Assemblage, werner
from quantcorr.cli.main import cli
from quantcorr.measurements import measurements_from_spec
from quantcorr.options import base_type


def run(args):
    return CliRunner().invoke(cli, args)


def assert_clean_refusal(res, fragment=None):
    assert res.exit_code == 2, f"exit {res.exit_code}: {res.output}"
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), res.output
    assert "Traceback" not in res.output
    if fragment:
        assert fragment.lower() in res.output.lower(), res.output


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    good = Assemblage.from_state(werner(0.7), measurements_from_spec("xz", 2)).sigma
    np.save(d / "nonherm.npy", good + 0.2j * np.eye(2))
    np.save(d / "trace2.npy", 2 * good)
    neg = good.copy()
    neg[0, 0] += np.diag([0.3, -0.3])
    neg[0, 1] -= np.diag([0.3, -0.3])
    np.save(d / "nonpsd.npy", neg)
    sig = good.copy()
    sig[1] = [np.diag([0.5, 0.1]), np.diag([0.1, 0.3])]
    np.save(d / "signal.npy", sig)
    np.save(d / "axes.npy", good[0])
    np.save(d / "nan.npy", np.full_like(good, np.nan))
    np.save(d / "pickle.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (d / "notjson.json").write_text("{not json")
    (d / "nosigma.json").write_text(json.dumps({"x": 1}))
    (d / "badentry.json").write_text(json.dumps({"sigma": [[["a"]]]}))
    (d / "badn.json").write_text(json.dumps({"sigma": np.stack([good.real, good.imag], -1).tolist(), "n_parties": 0}))
    (d / "empty.npy").write_bytes(b"")
    p = np.full((2, 2, 2, 2), 0.25)
    np.save(d / "b_ok.npy", p)
    np.save(d / "b_norm.npy", p * 1.2)
    np.save(d / "b_neg.npy", np.where(np.arange(16).reshape(2, 2, 2, 2) % 2, 0.6, -0.1))
    bs = np.zeros((2, 2, 2, 2))
    bs[:, 0, 0, 0] = 1
    bs[:, 1, 1, 0] = 1
    np.save(d / "b_signal.npy", bs)
    np.save(d / "b_axes.npy", p[0])
    np.save(d / "b_nan.npy", np.full((2, 2, 2, 2), np.nan))
    np.save(d / "b_complex.npy", p.astype(complex))
    (d / "b_nop.json").write_text(json.dumps({"q": 1}))
    rho = np.eye(4) / 4
    np.save(d / "s_trace.npy", rho * 2)
    np.save(d / "s_nonpsd.npy", np.diag([0.7, 0.7, -0.2, -0.2]))
    np.save(d / "s_nonherm.npy", rho + 0.1j * np.eye(4))
    np.save(d / "s_6.npy", np.eye(6) / 6)
    np.save(d / "s_nan.npy", np.full((4, 4), np.nan))
    np.save(d / "povm_bad.npy", np.array([[np.eye(2), np.eye(2)]]))
    np.save(d / "povm_dim.npy", np.array([[np.eye(3) / 2, np.eye(3) / 2]]))
    return d


W = ["--state", "werner", "--measurements", "xz"]

CASES = [
    # assemblage files
    (["--assemblage", "{d}/nonherm.npy"], "hermitian"),
    (["--assemblage", "{d}/trace2.npy"], "trace"),
    (["--assemblage", "{d}/nonpsd.npy"], "negative eigenvalue"),
    (["--assemblage", "{d}/signal.npy"], "signals"),
    (["--assemblage", "{d}/axes.npy"], "shape"),
    (["--assemblage", "{d}/nan.npy"], "nan"),
    (["--assemblage", "{d}/pickle.npy"], "cannot read"),
    (["--assemblage", "{d}/notjson.json"], "cannot read"),
    (["--assemblage", "{d}/nosigma.json"], "sigma"),
    (["--assemblage", "{d}/badentry.json"], "entry"),
    (["--assemblage", "{d}/badn.json"], "n_parties"),
    (["--assemblage", "{d}/empty.npy"], "cannot read"),
    (["--assemblage", "{d}/missing.npy"], "not found"),
    (["--assemblage", "{d}/nonpsd.npy", "--allow-non-psd"], "needs psd"),
    (["--assemblage", "{d}/trace2.npy", "--param", "v=1"], "no parameters"),
    # behaviour files and specs
    (["--behaviour", "{d}/b_norm.npy"], "sum to 1"),
    (["--behaviour", "{d}/b_neg.npy"], "negative"),
    (["--behaviour", "{d}/b_signal.npy"], "signals"),
    (["--behaviour", "{d}/b_axes.npy"], "shape"),
    (["--behaviour", "{d}/b_nan.npy"], "nan"),
    (["--behaviour", "{d}/b_complex.npy"], "real"),
    (["--behaviour", "{d}/b_nop.json"], "expected"),
    (["--behaviour", "chsh:1,1,1,2"], "negative"),
    (["--behaviour", "chsh:a,b,c,d"], "cannot parse"),
    (["--behaviour", "chsh:nan,0,0,0"], "finite"),
    (["--behaviour", "pr-box", "--param", "v=abc"], "not a number"),
    (["--behaviour", "pr-box", "--param", "w=1"], "unknown"),
    (["--behaviour", "white-noise", "--param", "settings=2"], "settings"),
    (["--behaviour", "white-noise", "--param", "outcomes=0,2"], "outcome"),
    (["--behaviour", "pr-box", "--param", "novalue"], "key=value"),
    # state files, names and parameters
    (["--state", "{d}/s_trace.npy", "-m", "xz"], "trace"),
    (["--state", "{d}/s_nonpsd.npy", "-m", "xz"], "semidefinite"),
    (["--state", "{d}/s_nonherm.npy", "-m", "xz"], "hermitian"),
    (["--state", "{d}/s_6.npy", "-m", "xz"], "dims"),
    (["--state", "{d}/s_6.npy", "--dims", "2,2", "-m", "xz"], "dims"),
    (["--state", "{d}/s_6.npy", "--dims", "a,b", "-m", "xz"], "dims"),
    (["--state", "{d}/s_nan.npy", "-m", "xz"], "nan"),
    (["--state", "nosuch", "-m", "xz"], "unknown state"),
    (["--state", "werner", "--param", "v=1.5", "-m", "xz"], "[0, 1]"),
    (["--state", "werner", "--param", "v=nan", "-m", "xz"], "[0, 1]"),
    (["--state", "isotropic", "--param", "d=2.5", "-m", "xz"], "integer"),
    (["--state", "isotropic", "--param", "d=1000", "-m", "mubs"], "limit"),
    (["--state", "ghz", "--param", "n=40", "-m", "xz"], "limit"),
    (["--state", "werner", "--param", "q=1", "-m", "xz"], "unknown"),
    (["--state", "werner", "--param", "v=x", "-m", "xz"], "not a number"),
    # measurements
    (["--state", "werner", "-m", "nope"], "unknown measurements"),
    (["--state", "werner", "-m", "bloch:1,2"], "three components"),
    (["--state", "werner", "-m", "bloch:0,0,0"], "non-zero"),
    (["--state", "werner", "-m", "bloch:x,y,z"], "cannot parse"),
    (["--state", "werner", "-m", "mubs:7"], "bases"),
    (["--state", "isotropic", "--param", "d=3", "-m", "xz"], "qubit"),
    (["--state", "werner", "-m", "{d}/povm_bad.npy"], "identity"),
    (["--state", "werner", "-m", "{d}/povm_dim.npy"], "dimension"),
    (["--state", "werner", "-m", "xz", "--bob-measurements", "povm"], "finite"),
    (["--state", "ghz", "--param", "n=3", "-m", "xz", "--bob-measurements", "xz"], "two-party"),
    (["--state", "werner", "-m", "xz|xz"], "sets"),
    # target combinations
    ([*W, "--assemblage", "{d}/trace2.npy"], "exactly one"),
    (["--behaviour", "pr-box", "--assemblage", "x.npy"], "exactly one"),
    ([], "exactly one"),
    (["--measurements", "xz"], "exactly one"),
    # solver names and generic option syntax
    ([*W, "--bogus-option", "1"], "no option"),
    ([*W, "stray"], "unexpected"),
]


@pytest.mark.parametrize("args, fragment", CASES, ids=[f"{i}:{c[1]}" for i, c in enumerate(CASES)])
def test_certify_refuses_malformed_input(files, args, fragment):
    args = [a.format(d=files) for a in args]
    assert_clean_refusal(run(["certify", "--solver", "sdp-lhs", *args]), fragment)


@pytest.mark.parametrize("args, fragment", [
    (["--solver", "nope", *W], "unknown solver"),
    (["--solver", "sdp-lhs", *W, "--json", "/"], "directory"),
    (["--solver", "sdp-lhs", *W, "--plot", "out.png", "--json", "out.png"], "same file"),
])
def test_threshold_refuses_malformed_input(args, fragment):
    assert_clean_refusal(run(["threshold", *args]), fragment)


def _bad_values(tp, meta):
    """Values outside an option's declared type or range, as command-line strings."""
    tp, _ = base_type(tp)
    if typing.get_origin(tp) is typing.Literal or meta.get("choices"):
        return ["no-such-choice"]
    if tp is bool:
        return ["maybe"]
    if tp is str and meta.get("path") == "in":
        return ["/nonexistent/file.bin"]
    if tp is str and meta.get("path") in ("out", "inout"):
        return ["/"]
    if tp not in (int, float):
        return []
    out = ["abc"]
    if tp is float:
        out += ["nan", "inf"]
    if meta.get("ge") is not None:
        out.append(str(meta["ge"] - 1 if tp is int else meta["ge"] - abs(meta["ge"]) * 0.5 - 1e-3))
    if meta.get("gt") is not None:
        out.append(str(meta["gt"]))
    if meta.get("le") is not None:
        out.append(str(int(meta["le"]) + 1 if tp is int else meta["le"] * 10 + 1))
    if meta.get("lt") is not None:
        out.append(str(meta["lt"]))
    if tp is int:
        out.append("2.5")
    return out


def _option_cases():
    from quantcorr.plugins import get_registry

    reg = get_registry()
    cases = []
    for name in sorted(reg.certifiers):
        cls = reg.solver_class(name)
        hints = typing.get_type_hints(cls.Options)
        for f in dataclasses.fields(cls.Options):
            for bad in _bad_values(hints[f.name], f.metadata):
                cases.append((name, f"--{f.name.replace('_', '-')}", bad))
    return cases


OPTION_CASES = _option_cases()


def test_every_solver_with_options_has_cases():
    from quantcorr.plugins import get_registry

    reg = get_registry()
    with_options = {n for n in reg.certifiers if dataclasses.fields(reg.solver_class(n).Options)}
    assert {c[0] for c in OPTION_CASES} == with_options


@pytest.mark.parametrize("solver, flag, value", OPTION_CASES, ids=[f"{s}{f}={v}" for s, f, v in OPTION_CASES])
def test_out_of_range_solver_options_are_refused_before_work(solver, flag, value):
    pair = [f"{flag}={value}"] if value == "maybe" else [flag, value]  # a bare boolean flag takes no value
    res = run(["certify", "--solver", solver, *W, *pair])
    assert_clean_refusal(res, flag)


@pytest.mark.parametrize("argv, fragment", [
    (["certify", "--solver", "polytope-lhs", "--state", "werner", "-m", "pvm", "--tol", "nan"], "--tol"),
    (["bench", "werner", "--timeout", "0"], "timeout"),
    (["bench", "werner", "--workers", "0"], "workers"),
    (["bench", "nosuite"], "unknown bench suite"),
    (["bench", "werner", "--set", "sdp-lhs:tol=nan"], "--tol"),
    (["bench", "werner", "--set", "garbage"], "solver:option=value"),
    (["bench", "werner", "--out", "x.md", "--format", "json"], "implies"),
    (["--threads", "-1", "solvers"], "threads"),
    (["solvers", "nope"], "unknown solver"),
])
def test_other_commands_refuse_cleanly(argv, fragment):
    assert_clean_refusal(run(argv), fragment)


def test_refusals_are_many_and_spread():
    assert len(CASES) >= 60 and len({c[0] for c in OPTION_CASES}) >= 3
