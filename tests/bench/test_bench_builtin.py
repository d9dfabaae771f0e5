"""`quantcorr bench werner` with the built-in solvers (each test skips while its solver is absent)."""

from __future__ import annotations

from math import sqrt

import pytest

from quantcorr import plugins
from quantcorr.bench import suites

WERNER = {"werner-xz", "werner-paulis", "werner-pvm", "werner-povm"}


@pytest.fixture
def real_registry(monkeypatch):
    monkeypatch.setattr(plugins, "_REGISTRY", None)
    return plugins.get_registry()


def _need(registry, name: str) -> None:
    if name not in registry.certifiers:
        pytest.skip(f"{name} is not registered yet")


def test_sdp_rows_match_analytic_thresholds(real_registry, bench, tmp_path):
    _need(real_registry, "sdp-lhs")
    code, doc, res = bench("werner", "--solver", "sdp-lhs", "--quick", "--format", "json", "--workers", "1",
                           "--cache", str(tmp_path / "c.json"))
    assert code == 0, res.output
    rows = {r["problem"]: r for r in doc["rows"]}
    assert set(rows) == {"werner-xz", "werner-paulis"}  # finite measurement sets only
    for problem, exact in (("werner-xz", 1 / sqrt(2)), ("werner-paulis", 1 / sqrt(3))):
        row = rows[problem]
        assert row["status"] == "ok", row["message"]
        assert row["reference"] == pytest.approx(exact)
        assert row["estimate"] == pytest.approx(exact, abs=1e-4) and abs(row["error"]) < 1e-4
        assert row["verdicts"] == "UUS" and row["contains_reference"]


def test_polytope_brackets_contain_one_half(real_registry, bench, tmp_path):
    _need(real_registry, "polytope-lhs")
    code, doc, res = bench("werner", "--solver", "polytope-lhs", "--quick", "--format", "json", "--workers", "2",
                           "--cache", str(tmp_path / "c.json"))
    assert code == 0, res.output
    rows = {r["problem"]: r for r in doc["rows"]}
    assert set(rows) == {"werner-pvm", "werner-povm"}
    for row in rows.values():
        assert row["status"] == "ok", row["message"]
        assert row["lower_rigor"] == row["upper_rigor"] == "certified" and row["contains_reference"]


def test_gradient_is_planned_on_every_werner_problem(real_registry):
    _need(real_registry, "gradient-lhs")
    entries = suites.plan("werner", real_registry, quick=True, solvers=("gradient-lhs",))
    assert {e.problem.name for e in entries} == WERNER and all(len(e.grid) == 3 for e in entries)
