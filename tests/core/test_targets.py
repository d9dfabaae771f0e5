"""Assemblage and behaviour inputs (files, chsh:, named), target specs and noise families."""

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from quantcorr import Assemblage, Behaviour, werner
from quantcorr.correlations import pr_box, tsirelson, white_noise
from quantcorr.errors import QuantcorrError, ValidationError
from quantcorr.measurements import measurements_from_spec
from quantcorr.registration import NamedTarget, TargetParam
from quantcorr.states import ghz
from quantcorr.target_spec import TargetSpec
from quantcorr.targets import behaviour_from_spec, load_assemblage, load_behaviour, parse_chsh
from quantcorr.threshold import TargetFamily, VisibilityFamily

XZ = measurements_from_spec("xz", 2)


def werner_asm(v=0.72):
    return Assemblage.from_state(werner(v), XZ)


def pairs(arr):
    return np.stack([arr.real, arr.imag], axis=-1).tolist()


def test_npy_and_both_json_spellings_agree(tmp_path):
    a = werner_asm()
    np.save(tmp_path / "a.npy", a.sigma)
    (tmp_path / "pairs.json").write_text(json.dumps({"sigma": pairs(a.sigma), "n_parties": 1}))
    obj = [[[[{"re": z.real, "im": z.imag} for z in row] for row in el] for el in x] for x in a.sigma]
    (tmp_path / "objs.json").write_text(json.dumps({"sigma": obj}))
    for name in ("a.npy", "pairs.json", "objs.json"):
        b = load_assemblage(tmp_path / name)
        assert b.n_parties == 1 and np.allclose(b.sigma, a.sigma)


def test_multipartite_npy_reads_party_count_from_axes(tmp_path):
    a = Assemblage.from_state(ghz(3, 0.9), XZ)
    np.save(tmp_path / "g.npy", a.sigma)
    b = load_assemblage(tmp_path / "g.npy")
    assert b.n_parties == 2 and b.settings == (2, 2) and b.outcomes == (2, 2)


def test_assemblage_noise_is_uniform_outcomes_times_maximally_mixed():
    a = Assemblage.from_state(ghz(3, 0.9), XZ)
    noise = a.white_noise_like()
    assert np.allclose(noise.sigma, np.eye(2) / 8)
    fam = TargetFamily(a)
    assert np.allclose(fam.at(0.3).sigma, 0.3 * a.sigma + 0.7 * noise.sigma)


def test_state_noise_and_assemblage_noise_agree_for_werner_xz():
    fam = VisibilityFamily(werner(1.0))
    asm0 = Assemblage.from_state(fam.at(0.0), XZ)
    assert np.allclose(asm0.sigma, werner_asm(1.0).white_noise_like().sigma)


@pytest.mark.parametrize("bad, match", [
    (lambda s: s + 1j * np.eye(2) * 0.3, "Hermitian"),
    (lambda s: s * 2, "trace"),
    (lambda s: np.where(np.isclose(s, 0), s, s)[..., :1, :], "square"),
    (lambda s: s[0], "shape"),
    (lambda s: np.full_like(s, np.nan), "NaN"),
])
def test_malformed_assemblages_raise(tmp_path, bad, match):
    s = werner_asm().sigma.copy()
    np.save(tmp_path / "bad.npy", bad(s))
    with pytest.raises(QuantcorrError, match=match):
        load_assemblage(tmp_path / "bad.npy")


def test_non_psd_and_signalling_assemblages_raise_and_psd_can_be_waived():
    s = werner_asm().sigma.copy()
    neg = s.copy()
    delta = np.array([[0.3, 0], [0, -0.3]])
    neg[0, 0] = neg[0, 0] + delta
    neg[0, 1] = neg[0, 1] - delta
    with pytest.raises(QuantcorrError, match="negative eigenvalue"):
        Assemblage(neg)
    assert Assemblage(neg, require_psd=False).min_eigenvalue() < 0
    sig = s.copy()
    sig[1] = np.array([np.diag([0.5, 0.1]), np.diag([0.1, 0.3])])  # Bob's marginal depends on x
    with pytest.raises(QuantcorrError, match="signals"):
        Assemblage(sig)


@pytest.mark.parametrize("p, match", [
    (np.full((2, 2, 2, 2), 0.3), "sum to 1"),
    (np.full((2, 2, 2), 0.25), "shape"),
    (np.where(np.arange(16).reshape(2, 2, 2, 2) % 2, 0.6, -0.1), "negative"),
    (np.full((2, 2, 2, 2), np.nan), "NaN"),
])
def test_malformed_behaviours_raise(tmp_path, p, match):
    np.save(tmp_path / "b.npy", p)
    with pytest.raises(QuantcorrError, match=match):
        load_behaviour(tmp_path / "b.npy")


def test_signalling_behaviour_raises():
    p = np.zeros((2, 2, 2, 2))
    p[:, 0, 0, 0] = 1  # Alice's outcome depends on Bob's setting y
    p[:, 1, 1, 0] = 1
    with pytest.raises(QuantcorrError, match="signals"):
        Behaviour(p)


def test_chsh_spec_and_named_behaviours():
    assert np.allclose(parse_chsh("chsh:1,1,1,-1").p, pr_box().p)
    assert abs(tsirelson().chsh_value() - 2 * np.sqrt(2)) < 1e-12
    assert np.allclose(behaviour_from_spec("white-noise", {"settings": "3,2", "outcomes": "2,3"}).p, 1 / 6)
    with pytest.raises(QuantcorrError, match="4 or 8"):
        parse_chsh("chsh:1,2,3")
    with pytest.raises(QuantcorrError, match="unknown behaviour"):
        behaviour_from_spec("no-such-box")


def test_behaviour_family_from_state_matches_state_family():
    spec = TargetSpec(state="werner", measurements="xz", bob_measurements="bloch:1,0,1;1,0,-1")
    fam, meas = spec.family()
    assert meas is None and fam.kind == "behaviour"
    direct = Behaviour.from_state(werner(0.6), XZ, measurements_from_spec("bloch:1,0,1;1,0,-1", 2))
    assert np.allclose(fam.at(0.6).p, direct.p)


def test_spec_needs_exactly_one_target():
    with pytest.raises(ValidationError, match="exactly one"):
        TargetSpec(state="werner", measurements="xz", behaviour="pr-box")
    with pytest.raises(ValidationError, match="exactly one"):
        TargetSpec()
    with pytest.raises(ValidationError, match="needs --measurements"):
        TargetSpec(state="werner")
    with pytest.raises(ValidationError, match="only go with --state"):
        TargetSpec(behaviour="pr-box", measurements="xz")


def test_per_party_measurements_and_count_mismatch():
    t = TargetSpec(state="ghz", params={"n": 3}, measurements="xz|paulis").target()
    assert t.assemblage().settings == (2, 3)
    with pytest.raises(QuantcorrError, match="3 sets"):
        TargetSpec(state="ghz", params={"n": 3}, measurements="xz|xz|xz").target()


def test_target_spec_records_file_hash(tmp_path):
    np.save(tmp_path / "a.npy", werner_asm().sigma)
    rec = TargetSpec(assemblage=str(tmp_path / "a.npy")).to_json()
    assert rec["kind"] == "assemblage" and len(rec["sha256"][str(tmp_path / "a.npy")]) == 64


def test_named_target_params_are_typed_and_checked():
    nt = NamedTarget("x", "behaviour", white_noise, "d", (TargetParam("settings", tuple, (2, 2)),))
    assert nt.parse_params({"settings": "3,4"}) == {"settings": (3, 4)}
    with pytest.raises(ValidationError, match="unknown"):
        nt.parse_params({"bogus": "1"})
    with pytest.raises(ValidationError, match="comma-separated"):
        nt.parse_params({"settings": "a,b"})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1, 1), min_size=4, max_size=4))
def test_correlator_points_in_ns_box_are_valid_behaviours(e):
    b = Behaviour.from_chsh(np.array(e))
    assert np.allclose(b.chsh_coordinates()[4:], e) and b.p.min() >= -1e-12


@settings(max_examples=40, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_params_reject_non_finite_or_accept_finite(x):
    p = TargetParam("v", float, 1.0)
    if np.isfinite(x):
        assert p.parse(repr(x)) == x
    else:
        with pytest.raises(ValidationError):
            p.parse(repr(x))


def test_a_very_long_spec_is_not_mistaken_for_a_file():
    long = "bloch:" + ";".join("0.6,0.0,0.8" for _ in range(60))
    spec = TargetSpec(state="werner", measurements=long)
    assert spec.input_files() == [] and spec.target().measurements.n_settings == 60
