"""No data lost: outputs checked before work, inputs never overwritten, bench caches merged
under a lock, unreadable caches moved aside instead of overwritten."""

import json
import multiprocessing as mp
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from quantcorr import Assemblage, werner
from quantcorr.bench.cache import SCHEMA, CacheWarning, ResultsCache
from quantcorr.cli.main import cli
from quantcorr.measurements import measurements_from_spec


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_output_over_input_is_refused_and_input_kept(tmp_path):
    path = tmp_path / "A.npy"
    np.save(path, Assemblage.from_state(werner(0.7), measurements_from_spec("xz", 2)).sigma)
    before = path.read_bytes()
    res = run("certify", "--solver", "sdp-lhs", "--assemblage", str(path), "--json", str(path))
    assert res.exit_code == 2 and "input" in res.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("make", [lambda d: d, lambda d: d / "file.txt" / "out.json"])
def test_unwritable_outputs_are_refused_before_work(tmp_path, make):
    (tmp_path / "file.txt").write_text("x")
    res = run("threshold", "--solver", "sdp-lhs", "--state", "werner", "-m", "xz", "--json", str(make(tmp_path)))
    assert res.exit_code == 2 and res.output.startswith("Error:")


def rec(i, kind="cell"):
    return {"key": f"s/p/solver/opt/v={i}", "kind": kind, "status": "ok", "verdict": "unsteerable"}


def _writer(path, start):
    cache = ResultsCache(path)
    for i in range(start, start + 15):
        cache.put(rec(i))


def test_concurrent_writers_keep_every_record(tmp_path):
    path = tmp_path / "c.json"
    procs = [mp.get_context("fork").Process(target=_writer, args=(path, s)) for s in (0, 100)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    keys = {r["key"] for r in json.loads(path.read_text())["cells"]}
    assert keys == {rec(i)["key"] for i in (*range(15), *range(100, 115))}


def test_records_of_other_selections_are_merged(tmp_path):
    path = tmp_path / "c.json"
    ResultsCache(path).put(rec(1))
    other = ResultsCache(path, fresh=True)  # a run ignoring stored results still keeps them in the file
    other.put(rec(2))
    keys = {r["key"] for r in json.loads(path.read_text())["cells"]}
    assert keys == {rec(1)["key"], rec(2)["key"]}


@pytest.mark.parametrize("content", ['{"schema": "quantcorr-bench/1", "cells": [', "", '{"schema": "other"}'])
def test_unreadable_cache_is_moved_aside_not_overwritten(tmp_path, content):
    path = tmp_path / "c.json"
    path.write_text(content)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cache = ResultsCache(path)
    assert any(issubclass(w.category, CacheWarning) and "moved it aside" in str(w.message) for w in caught)
    aside = [p for p in tmp_path.iterdir() if ".unreadable-" in p.name]
    assert len(aside) == 1 and aside[0].read_text() == content
    cache.put(rec(1))
    assert json.loads(path.read_text())["schema"] == SCHEMA


def test_temp_files_are_unique_and_cleaned(tmp_path):
    path = tmp_path / "c.json"
    cache = ResultsCache(path)
    for i in range(5):
        cache.put(rec(i))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json", "c.json.lock"]
