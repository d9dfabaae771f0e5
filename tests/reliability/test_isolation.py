"""Plugins cannot take the tool down: sys.exit, hangs, wrong return types, NaN values and
command hijacking are each isolated and reported, and the rest of the run completes."""

import json
import warnings
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import rogue_plugin
from plugin_dist import make_plugin, run_cli
from quantcorr import plugins
from quantcorr.cli.main import cli
from quantcorr.measurements import measurements_from_spec
from quantcorr.states import werner
from quantcorr.threshold import VisibilityFamily


@pytest.fixture
def rogue(monkeypatch, tmp_path):
    ep = SimpleNamespace(name="rogue", value="rogue_plugin", dist=None, load=lambda: rogue_plugin)
    monkeypatch.setattr(plugins, "_entry_points", lambda: [ep])
    monkeypatch.setattr(plugins, "_REGISTRY", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("QUANTCORR_STRICT_PLUGINS", "0")
    yield plugins.get_registry()
    plugins._REGISTRY = None


def certify(name, v=0.5):
    from quantcorr.certifier import SteeringTarget

    reg = plugins.get_registry()
    return reg.certifier(name).certify(SteeringTarget(werner(v), measurements_from_spec("xz", 2)))


@pytest.mark.parametrize("name, fragment", [("rogue-exit", "SystemExit"), ("rogue-type", "not a Result"),
                                            ("rogue-nan", "NaN value")])
def test_misbehaving_certify_becomes_failed(rogue, name, fragment):
    res = certify(name)
    assert res.verdict.value == "failed" and fragment in res.message


def test_bench_times_out_a_hanging_task_and_completes_the_rest(rogue, tmp_path):
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["bench", "rogue", "--workers", "1", "--timeout", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    rows = {r["solver"]: r for r in doc["rows"]}
    assert "time limit" in rows["rogue-hang"]["message"]
    assert rows["rogue-honest"]["status"] == "ok" and rows["rogue-honest"]["verdicts"] == "US"
    assert rows["rogue-exit"]["status"] == "failed"


def test_threshold_never_brackets_with_failed_calls(rogue):
    reg = plugins.get_registry()
    fam = VisibilityFamily(werner(1.0))
    thr = reg.certifier("rogue-exit").critical_visibility(fam, measurements_from_spec("xz", 2))
    assert thr.upper is None and thr.lower is None and thr.estimate is None and "failed" in thr.message


def test_command_hijack_is_refused_and_new_command_added(rogue, monkeypatch):
    monkeypatch.setattr(cli, "_plugins_loaded", False, raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cli.list_commands(None)
    assert any("certify" in str(w.message) and "'core'" in str(w.message) and "'rogue'" in str(w.message)
               for w in caught)
    assert cli.commands["certify"].callback.__module__ == "quantcorr.cli.commands"
    assert CliRunner().invoke(cli, ["rogue-hello"]).output.strip() == "hello"
    cli.commands.pop("rogue-hello", None)


EXIT_AT_IMPORT = "import sys\nsys.exit(7)\n"


def test_sys_exit_at_import_is_a_warning_not_an_exit(tmp_path):
    root = make_plugin(tmp_path, "qc_exit", "qc_exit_mod", EXIT_AT_IMPORT)
    out = run_cli(["solvers", "--json", "--no-targets"], root)
    assert out.returncode == 0, out.stderr
    assert "qc_exit" in out.stderr and "SystemExit" in out.stderr
    assert "sdp-lhs" in {r["name"] for r in json.loads(out.stdout)}


def test_report_json_doubling_as_cache_keeps_other_solver_selections(rogue, tmp_path):
    out = tmp_path / "r.json"
    for solver in ("rogue-honest", "rogue-nan"):
        res = CliRunner().invoke(cli, ["bench", "rogue", "--workers", "1", "--solver", solver, "--out", str(out)])
        assert res.exit_code == 0, res.output
    solvers = {c["solver"] for c in json.loads(out.read_text())["cells"]}
    assert solvers == {"rogue-honest", "rogue-nan"}
