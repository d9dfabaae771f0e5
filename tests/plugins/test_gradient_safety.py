"""Hardening of the gradient plugin: files never run code, corrupted or foreign files are refused
in one line, finished scans are not overwritten, impossible options are refused (issue 10)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402

from quantcorr.certifier import SteeringTarget  # noqa: E402
from quantcorr.cli.main import cli  # noqa: E402
from quantcorr.errors import InputFileError, OptionError, QuantcorrError  # noqa: E402
from quantcorr.measurements import MeasurementSpace, measurements_from_spec  # noqa: E402
from quantcorr.states import product, werner  # noqa: E402
from quantcorr.threshold import VisibilityFamily  # noqa: E402
from quantcorr_gradient import storage  # noqa: E402
from quantcorr_gradient.lhs import GradientLhs  # noqa: E402
from quantcorr_gradient.lhs_model import load_model  # noqa: E402
from quantcorr_gradient.options import GradientOptions  # noqa: E402

SMALL = dict(hidden=8, batch=32, test_batch=200, patience=50, progress=False)
CERTIFY = ["certify", "--solver", "gradient-lhs", "-s", "werner", "-p", "v=0.3", "-m", "paulis"]


class _Evil:
    """Unpickling this object would create the file `target`."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def _one_line_exit_2(out) -> str:
    assert out.exit_code == 2, out.output
    lines = [ln for ln in out.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in out.output, out.output
    return lines[0]


@pytest.mark.parametrize("how", ["torch", "pickle", "wrapped"])
def test_crafted_checkpoint_runs_nothing(tmp_path, how):
    marker = tmp_path / "pwned"
    ck = tmp_path / "ck.pt"
    evil = _Evil(str(marker))
    if how == "torch":
        torch.save({"model": evil}, ck)
    elif how == "pickle":
        ck.write_bytes(pickle.dumps(evil))
    else:  # our own container around a malicious payload, with a correct checksum
        import hashlib
        import io
        import json

        inner = io.BytesIO()
        torch.save({"fingerprint": evil}, inner)
        data = inner.getvalue()
        header = {"format": storage.FORMAT, "kind": "checkpoint", "sha256": hashlib.sha256(data).hexdigest(),
                  "bytes": len(data)}
        ck.write_bytes(storage.MAGIC + json.dumps(header).encode() + b"\n" + data)
    out = CliRunner().invoke(cli, CERTIFY + ["--steps", "5", "--checkpoint", str(ck), "--resume",
                                             "--model", str(tmp_path / "m.pt")])
    line = _one_line_exit_2(out)
    assert str(ck) in line and not marker.exists() and not (tmp_path / "m.pt").exists()


def _trained(tmp_path, **kw) -> str:
    opts = GradientOptions(**{**SMALL, "steps": 30, "model": str(tmp_path / "m.pt"), **kw})
    res = GradientLhs().certify(SteeringTarget(werner(0.3), MeasurementSpace("pvm", 2)), opts)
    return res.certificate.path


def test_corrupted_model_is_refused_by_its_checksum(tmp_path):
    path = _trained(tmp_path)
    data = bytearray(open(path, "rb").read())
    load_model(path)  # intact
    for start in (len(data) // 2, len(storage.MAGIC) + 10, len(data) - 64):
        bad = bytearray(data)
        bad[start:start + 64] = bytes(64)
        p = tmp_path / f"bad{start}.pt"
        p.write_bytes(bad)
        with pytest.raises(InputFileError) as err:
            load_model(p)
        assert "\n" not in str(err.value) and str(p) in str(err.value)
    out = CliRunner().invoke(cli, ["verify", str(p), "-s", "werner", "-p", "v=0.3", "-m", "pvm"])
    _one_line_exit_2(out)


def test_foreign_files_are_refused_naming_what_they_are(tmp_path):
    path = _trained(tmp_path)
    text = tmp_path / "state.json"
    text.write_text('{"rho": [[1, 0], [0, 0]]}')
    plain = tmp_path / "plain.pt"
    torch.save({"a": torch.zeros(2)}, plain)
    with pytest.raises(InputFileError, match="is a JSON file, not a gradient-lhs model"):
        load_model(text)
    with pytest.raises(InputFileError, match="is a zip archive"):
        load_model(plain)
    storage.save(tmp_path / "s.pt", "scan", {"rows": []})
    with pytest.raises(InputFileError, match="is a threshold-scan checkpoint, not a gradient-lhs model"):
        load_model(tmp_path / "s.pt")
    with pytest.raises(InputFileError, match="is a gradient-lhs model, not a training checkpoint"):
        storage.load(path, "checkpoint")


def test_checkpoint_reloads_in_verify_and_is_not_overwritten(tmp_path):
    ck = str(tmp_path / "ck.pt")
    _trained(tmp_path, checkpoint=ck)
    model, meta = load_model(ck)  # the README tour: `certify --checkpoint m.pt`, then `verify m.pt`
    assert meta["model"] == "lhs" and model.hidden == 8
    with pytest.raises(InputFileError, match="--resume"):
        _trained(tmp_path, checkpoint=ck)


def test_threshold_refuses_to_overwrite_a_finished_scan(tmp_path):
    args = ["threshold", "--solver", "gradient-lhs", "-s", "werner", "-m", "paulis", "--steps", "20", "--hidden", "4",
            "--points", "3", "--checkpoint", str(tmp_path / "scan.pt"), "--model", str(tmp_path / "m.pt"),
            "--json", str(tmp_path / "r.json")]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    before = (tmp_path / "scan.pt.scan.pt").read_bytes()
    line = _one_line_exit_2(CliRunner().invoke(cli, args))
    assert "3 finished scan point(s)" in line and "--resume" in line
    assert (tmp_path / "scan.pt.scan.pt").read_bytes() == before
    again = CliRunner().invoke(cli, args + ["--resume"])
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize("flag", [["--tolerance", "10"], ["--tolerance", "0"], ["--tolerance", "nan"],
                                  ["--steps", "0"], ["--steps", "-3"], ["--hidden", "0"], ["--hidden", "10000000"],
                                  ["--order", "50"], ["--lr", "nan"], ["--lr", "-1"], ["--lr", "inf"],
                                  ["--batch", "0"], ["--points", "1"], ["--v-min", "1.5"], ["--resume"],
                                  ["--relative-tolerance", "0"], ["--test-batch", "0"],
                                  ["--device", "tpu"], ["--checkpoint", ""]])
def test_impossible_options_are_refused_before_any_work(flag, tmp_path):
    line = _one_line_exit_2(CliRunner().invoke(cli, CERTIFY + flag + ["--model", str(tmp_path / "m.pt")]))
    assert flag[0] in line
    assert not (tmp_path / "m.pt").exists()


def test_options_in_python_raise_option_errors():
    for bad in (dict(tolerance=10.0), dict(steps=0), dict(lr=float("nan")), dict(resume=True), dict(order=100),
                dict(v_min=0.6, v_max=0.5)):
        with pytest.raises(OptionError):
            GradientOptions(**bad)


def test_models_go_to_a_cleaned_cache_not_the_temp_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTCORR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(storage, "KEEP_MODELS", 3)
    paths = [GradientLhs().certify(SteeringTarget(werner(0.3), measurements_from_spec("xz", 2)),
                                   GradientOptions(**{**SMALL, "steps": 5})).certificate.path for _ in range(5)]
    assert all(p.startswith(str(tmp_path / "cache" / "models")) for p in paths)
    assert len(list((tmp_path / "cache" / "models").glob("*.pt"))) == 3


def test_plateau_message_only_when_the_run_stopped_early(tmp_path):
    target = SteeringTarget(werner(0.3), measurements_from_spec("xz", 2))
    full = GradientLhs().certify(target, GradientOptions(**{**SMALL, "steps": 100, "patience": 50,
                                                            "model": str(tmp_path / "a.pt")}))
    assert full.quantities["steps_run"] == 100 and "stopped early" not in full.message
    early = GradientLhs().certify(target, GradientOptions(**{**SMALL, "steps": 3000, "patience": 10, "lr": 1e-9,
                                                             "model": str(tmp_path / "b.pt")}))
    assert early.quantities["steps_run"] < 3000 and "stopped early" in early.message


def test_always_unsteerable_family_has_no_threshold(tmp_path):
    opts = GradientOptions(**{**SMALL, "steps": 20, "points": 3, "model": str(tmp_path / "m.pt")})
    res = GradientLhs().critical_visibility(VisibilityFamily(product(2)), MeasurementSpace("pvm", 2), opts)
    assert res.estimate is None and res.upper is None and res.lower == 0.75 and res.lower_rigor == "numerical"
    assert "no threshold up to v_max" in res.message
    assert all(r["verdict"] == "unsteerable" for r in res.table)


def test_assemblage_family_is_refused_cleanly():
    from quantcorr.assemblage import Assemblage
    from quantcorr.threshold import TargetFamily

    fam = TargetFamily(Assemblage.from_state(werner(1.0), measurements_from_spec("xz", 2)))
    with pytest.raises(QuantcorrError):
        GradientLhs().critical_visibility(fam, None, GradientOptions(**SMALL))
    assert np.isfinite(GradientOptions().relative_tolerance)
