"""A suite mixing target kinds and questions renders in every format."""

import json
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import mixed_fakes
from quantcorr import plugins
from quantcorr.cli.main import cli


@pytest.fixture
def mixed(monkeypatch, tmp_path):
    ep = SimpleNamespace(name="mixed", value="mixed_fakes", dist=None, load=lambda: mixed_fakes)
    monkeypatch.setattr(plugins, "_entry_points", lambda: [ep])
    monkeypatch.setattr(plugins, "_REGISTRY", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield
    plugins._REGISTRY = None


def test_mixed_suite_renders_all_formats(mixed, tmp_path):
    res = CliRunner().invoke(cli, ["bench", "mixed", "--workers", "1", "--out", str(tmp_path / "m.json")])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "m.json").read_text())
    rows = {(r["problem"], r["solver"]): r for r in doc["rows"]}
    assert rows[("m-bell", "fake-chsh")]["verdicts"] == "LNN"
    assert abs(rows[("m-bell", "fake-chsh")]["estimate"] - 0.5) < 1e-3
    assert rows[("m-werner-bell", "fake-chsh")]["verdicts"] == "LLN"
    assert rows[("m-pq", "fake-pq")]["verdicts"] == "QQQ"
    assert rows[("m-steer", "fake-steer")]["verdicts"] == "UUS"
    assert ("m-steer", "fake-chsh") not in rows
    for fmt in ("markdown", "csv", "table"):
        out = CliRunner().invoke(cli, ["bench", "mixed", "--workers", "1", "--format", fmt,
                                       "--cache", str(tmp_path / "m.json")])
        assert out.exit_code == 0 and "m-pq" in out.output and "m-bell" in out.output
