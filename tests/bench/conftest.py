"""Fixtures of the bench tests: a registry holding the core problems and the fake plugin only."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import bench_fakes
from quantcorr import plugins
from quantcorr.cli.main import cli


@pytest.fixture
def fake_registry(monkeypatch):
    """The real plugin machinery, loading only the fake plugin (no built-in solvers)."""
    ep = SimpleNamespace(name="fakes", value="bench_fakes", dist=None, load=lambda: bench_fakes)
    monkeypatch.setattr(plugins, "_entry_points", lambda: [ep])
    monkeypatch.setattr(plugins, "_REGISTRY", None)
    for cls in (bench_fakes.FakeExact, bench_fakes.FakeFinite):
        monkeypatch.setattr(cls, "calls", 0)
        monkeypatch.setattr(cls, "interrupt_at", 0)
        monkeypatch.setattr(cls, "crash_at", None)
    return plugins.get_registry()


@pytest.fixture
def bench(tmp_path, monkeypatch):
    """Run `quantcorr bench ARGS` in-process; returns (exit code, parsed JSON or None, result)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def run(*args: str, parse: bool = True):
        res = CliRunner().invoke(cli, ["bench", *args])
        doc = json.loads(res.stdout) if parse and res.exit_code == 0 else None
        return res.exit_code, doc, res

    return run
