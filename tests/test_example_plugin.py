"""Installs docs/example-plugin (a real third-party distribution) and uses it from the CLI."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plugin_dist import run_cli

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-plugin"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(EXAMPLE)], check=True, capture_output=True, timeout=300)
    return target


def test_example_plugin_appears_in_solvers(installed):
    out = run_cli(["solvers", "--json"], installed)
    assert out.returncode == 0, out.stderr
    row = next(r for r in json.loads(out.stdout) if r["name"] == "ppt")
    assert row["plugin"] == "ppt" and row["available"] and row["questions"] == ["steering"]


def test_example_plugin_certifies_from_cli(installed):
    sep = run_cli(["certify", "--solver", "ppt", "--state", "werner", "--param", "v=0.3", "-m", "pvm", "--json", "-"],
                  installed)
    assert sep.returncode == 0, sep.stderr
    res = json.loads(sep.stdout)
    assert res["verdict"] == "unsteerable" and res["rigor"] == "certified"
    ent = json.loads(run_cli(["certify", "--solver", "ppt", "--state", "werner", "--param", "v=0.5", "-m", "pvm",
                              "--json", "-", "--tol", "1e-12"], installed).stdout)
    assert ent["verdict"] == "inconclusive" and ent["rigor"] is None


def test_example_plugin_passes_conformance():
    sys.path.insert(0, str(EXAMPLE))
    try:
        from quantcorr_ppt.certifier import PptCertifier
    finally:
        sys.path.remove(str(EXAMPLE))
    from quantcorr.certifier import SteeringTarget
    from quantcorr.measurements import MeasurementSpace
    from quantcorr.states import isotropic, werner
    from quantcorr.testing import check_certifier

    results = check_certifier(PptCertifier, [SteeringTarget(werner(v), MeasurementSpace("pvm", 2))
                                             for v in (0.2, 1 / 3, 0.9)]
                              + [SteeringTarget(isotropic(3, 0.1), MeasurementSpace("povm", 3))])
    assert [r.verdict.value for r in results] == ["unsteerable", "unsteerable", "inconclusive", "inconclusive"]
