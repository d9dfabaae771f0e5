"""`quantcorr bench`: rows per supporting solver, failure isolation, resuming, executors."""

from __future__ import annotations

import json
from math import sqrt

import pytest

import bench_fakes
from quantcorr.bench.cache import ResultsCache

WERNER = ["werner-xz", "werner-paulis", "werner-pvm", "werner-povm", "fake-werner-cube"]


def _rows(doc: dict) -> dict[tuple[str, str], dict]:
    return {(r["problem"], r["solver"]): r for r in doc["rows"]}


def test_werner_json_has_a_row_per_supporting_solver(fake_registry, bench, tmp_path):
    code, doc, res = bench("werner", "--format", "json", "--workers", "1", "--cache", str(tmp_path / "c.json"))
    assert code == 0, res.output
    rows = _rows(doc)
    finite = {"werner-xz", "werner-paulis", "fake-werner-cube"}
    expected = {(p, s) for p in WERNER for s in ("fake-exact", "fake-raises", "fake-missing")}
    assert set(rows) == expected | {(p, "fake-finite") for p in finite}  # fake-finite only where supported
    missing = rows["werner-pvm", "fake-missing"]
    assert missing["status"] == "unavailable" and "quantcorr_no_such_module" in missing["message"]
    assert missing["verdicts"] == "." * 11 and missing["estimate"] is None
    xz = rows["werner-xz", "fake-exact"]
    assert xz["estimate"] == pytest.approx(1 / sqrt(2)) and xz["error"] == pytest.approx(0.0)
    assert xz["contains_reference"] and xz["lower_rigor"] == "certified"
    assert xz["verdicts"] == "UUUUUUSSSSS" and xz["status"] == "ok" and xz["threshold_time_s"] is not None
    assert rows["fake-werner-cube", "fake-exact"]["error"] is None  # no reference, no error
    assert len(doc["cells"]) == sum(len(r["grid"]) for r in doc["rows"] if r["status"] != "unavailable")


def test_raising_solver_fails_its_cells_only(fake_registry, bench, tmp_path):
    code, doc, res = bench("werner", "--format", "json", "--workers", "1", "--cache", str(tmp_path / "c.json"))
    assert code == 0, res.output
    for (problem, solver), row in _rows(doc).items():
        if solver == "fake-missing":
            continue
        if solver == "fake-raises":
            assert row["status"] == "failed" and set(row["verdicts"]) == {"F"} and "boom" in row["message"]
        elif solver == "fake-finite":  # critical_visibility raises: the threshold fails, the cells do not
            assert row["status"] == "failed" and "no threshold here" in row["message"]
            assert "F" not in row["verdicts"] and "." not in row["verdicts"]
        else:
            assert row["status"] == "ok" and "F" not in row["verdicts"] and row["estimate"] is not None
    failed = [c for c in doc["cells"] if c["solver"] == "fake-raises"]
    assert failed and all(c["verdict"] == "failed" and "RuntimeError: boom" in c["message"] for c in failed)


def test_rerun_recomputes_only_missing_cells(fake_registry, bench, tmp_path):
    cache = tmp_path / "c.json"
    args = ("werner", "--problem", "werner-xz", "--solver", "fake-exact", "--format", "json", "--workers", "1",
            "--cache", str(cache))
    code, first, _ = bench(*args)
    assert code == 0 and bench_fakes.FakeExact.calls == 11
    doc = json.loads(cache.read_text())
    doc["cells"] = [c for c in doc["cells"] if c["v"] not in (0.6, 0.7, 0.8)]
    cache.write_text(json.dumps(doc))
    code, second, _ = bench(*args)
    assert code == 0 and bench_fakes.FakeExact.calls == 11 + 3
    assert _rows(second) == _rows(first) | {k: {**r, "cells_time_s": _rows(second)[k]["cells_time_s"]}
                                            for k, r in _rows(first).items()}
    bench(*args)
    assert bench_fakes.FakeExact.calls == 14  # everything cached now
    bench(*args, "--fresh")
    assert bench_fakes.FakeExact.calls == 25


def test_interrupted_run_resumes(fake_registry, bench, tmp_path):
    cache = tmp_path / "c.json"
    args = ("werner-paulis", "--solver", "fake-exact", "--format", "json", "--workers", "1", "--cache", str(cache))
    bench_fakes.FakeExact.interrupt_at = 5  # Ctrl-C during the 5th cell
    code, _, res = bench(*args, parse=False)
    assert code != 0
    kept = ResultsCache(cache).records
    assert sum(r["kind"] == "cell" for r in kept.values()) == 4 and any(r["kind"] == "threshold" for r in kept.values())
    bench_fakes.FakeExact.interrupt_at = 0
    code, doc, _ = bench(*args)
    assert code == 0 and bench_fakes.FakeExact.calls == 5 + 7  # the interrupted cell and the 6 never started
    assert _rows(doc)["werner-paulis", "fake-exact"]["verdicts"] == "UUUUUUUUUSS"


def test_process_pool_workers(fake_registry, bench, tmp_path):
    code, _, res = bench("werner", "--quick", "--workers", "2", "--out", str(tmp_path / "r.json"), parse=False)
    assert code == 0, res.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert all(len(r["grid"]) == 3 for r in doc["rows"])  # coarse grid
    assert _rows(doc)["werner-pvm", "fake-exact"]["verdicts"] == "UUS"
    assert {r["options"]["budget"] for r in doc["rows"] if r["solver"] == "fake-exact"} == {1}  # quick options
    assert bench_fakes.FakeExact.calls == 0  # the cells ran in worker processes


def test_dead_worker_fails_its_cell_and_the_run_goes_on(fake_registry, bench, tmp_path):
    cache = tmp_path / "c.json"
    args = ("werner-xz", "--solver", "fake-exact", "--workers", "2", "--format", "json", "--cache", str(cache))
    bench_fakes.FakeExact.crash_at = 0.7  # os._exit in the worker at v=0.7
    code, doc, res = bench(*args)
    assert code == 0, res.output
    cells = {c["v"]: c for c in doc["cells"]}
    assert cells[0.7]["verdict"] == "failed" and "worker process died" in cells[0.7]["message"]
    lost = {r["key"] for r in doc["cells"] + doc["thresholds"] if r["status"] == "failed"}
    assert len(lost) <= 2 and len(cells) == 11  # the crash takes at most the task beside it; the pool restarts
    kept = ResultsCache(cache).records
    assert not lost & set(kept) and len(kept) == 12 - len(lost)  # lost tasks are not cached
    bench_fakes.FakeExact.crash_at = None
    code, doc, _ = bench(*args)
    assert code == 0 and _rows(doc)["werner-xz", "fake-exact"]["verdicts"] == "UUUUUUSSSSS"


def test_dask_scheduler(fake_registry, bench, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster:
        code, doc, res = bench("werner", "--quick", "--scheduler", cluster.scheduler_address, "--format", "json",
                               "--cache", str(tmp_path / "c.json"))
    assert code == 0, res.output
    row = _rows(doc)["werner-paulis", "fake-exact"]
    assert row["status"] == "ok" and row["verdicts"] == "UUS"
    assert _rows(doc)["werner-xz", "fake-raises"]["status"] == "failed"


def test_formats_and_plot(fake_registry, bench, tmp_path):
    args = ("werner", "--quick", "--workers", "1", "--cache", str(tmp_path / "c.json"))
    code, _, res = bench(*args, "--format", "markdown", parse=False)
    assert code == 0 and res.stdout.startswith("| problem |") and "| werner-xz | 0.707107 | fake-exact |" in res.stdout
    code, _, res = bench(*args, "--format", "csv", parse=False)
    assert code == 0 and res.stdout.splitlines()[0].startswith("problem,solver,reference")
    code, _, res = bench(*args, "--out", str(tmp_path / "t.md"), "--plot", str(tmp_path / "p.png"), parse=False)
    assert code == 0 and "fake-exact" in res.stdout  # the terminal table
    assert (tmp_path / "t.md").read_text().startswith("| problem |")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    code, _, res = bench(*args, parse=False)
    assert code == 0 and "werner-povm" in res.stdout


def test_unknown_suite_and_solver(fake_registry, bench):
    code, _, res = bench("nosuch", parse=False)
    assert code == 2 and "werner" in res.stderr and "isotropic" in res.stderr
    code, _, res = bench("werner", "--solver", "nosuch", parse=False)
    assert code == 2 and "fake-exact" in res.stderr


def test_set_changes_options_and_cache_key(fake_registry, bench, tmp_path):
    args = ("werner-xz", "--solver", "fake-exact", "--quick", "--format", "json", "--workers", "1",
            "--cache", str(tmp_path / "c.json"))
    code, doc, _ = bench(*args)
    code, doc, res = bench(*args, "--set", "fake-exact:budget=7")
    assert code == 0, res.output
    assert doc["rows"][0]["options"]["budget"] == 7 and bench_fakes.FakeExact.calls == 6  # new key: recomputed
    code, doc, _ = bench("werner-xz", "--solver", "fake-exact", "--quick-solver", "fake-exact", "--format", "json",
                         "--workers", "1", "--set", "fake-exact:budget=9", "--cache", str(tmp_path / "c.json"))
    assert doc["rows"][0]["options"]["budget"] == 9 and len(doc["rows"][0]["grid"]) == 11  # full grid
    code, _, res = bench(*args, "--set", "fake-exact:nosuch=1", parse=False)
    assert code == 2 and "no option --nosuch" in res.stderr


def test_format_contradicting_out_suffix_is_refused(tmp_path):
    from click.testing import CliRunner

    from quantcorr.cli.main import cli

    res = CliRunner().invoke(cli, ["bench", "werner", "--format", "markdown", "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 2 and "implies --format json" in res.stderr
    assert not (tmp_path / "r.json").exists()
