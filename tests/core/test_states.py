import json

import numpy as np
import pytest
from hypothesis import given, strategies as st

from quantcorr.errors import (DimensionError, InputFileError, NonFiniteError, NotHermitianError, NotPSDError,
                              TraceError, UnknownNameError, ValidationError)
from quantcorr.states import (State, antisymmetric, from_array, ghz, isotropic, load_state, partially_entangled,
                              product, state_from_spec, w, werner)

visibility = st.floats(0.0, 1.0)


@given(visibility)
def test_werner_definition(v):
    psi = np.array([0, 1, -1, 0]) / np.sqrt(2)
    expected = v * np.outer(psi, psi) + (1 - v) * np.eye(4) / 4
    s = werner(v)
    assert np.allclose(s.rho, expected) and s.dims == (2, 2)
    assert np.allclose(s.reduced(1), np.eye(2) / 2)


@given(st.integers(2, 4), visibility)
def test_isotropic_is_a_state_with_maximally_mixed_marginals(d, v):
    s = isotropic(d, v)
    assert np.isclose(np.trace(s.rho).real, 1)
    assert np.linalg.eigvalsh(s.rho).min() > -1e-12
    assert np.allclose(s.reduced(0), np.eye(d) / d)
    phi = np.eye(d).reshape(-1) / np.sqrt(d)
    assert np.isclose(phi @ s.rho @ phi, v + (1 - v) / d**2)


@given(st.integers(2, 4), visibility)
def test_multiqubit_and_other_families_are_valid(n, v):
    for s in (ghz(n, v), w(n, v)):
        assert s.dims == (2,) * n
        assert np.isclose(np.trace(s.rho).real, 1)
    assert partially_entangled(0.3, v).dims == (2, 2)


def test_antisymmetric_is_normalised_projector():
    s = antisymmetric(3)
    evals = np.linalg.eigvalsh(s.rho)
    assert np.allclose(sorted(set(np.round(evals, 10))), [0, 1 / 3])
    swap = np.eye(9).reshape(3, 3, 3, 3).transpose(0, 1, 3, 2).reshape(9, 9)
    assert np.allclose(swap @ s.rho, -s.rho)


def test_objects_are_immutable():
    s = werner(0.5)
    with pytest.raises(ValueError):
        s.rho[0, 0] = 1
    with pytest.raises(Exception):
        s.dims = (4,)


@pytest.mark.parametrize("rho, error", [
    (np.array([[0.5, 0.1], [0.2, 0.5]]), NotHermitianError),
    (np.diag([1.5, -0.5]), NotPSDError),
    (np.eye(2), TraceError),
    (np.array([[np.nan, 0], [0, 1]]), NonFiniteError),
    (np.ones((2, 3)), DimensionError),
])
def test_bad_matrices_are_named(rho, error):
    with pytest.raises(error):
        State(rho, (2,))


def test_dims_must_match():
    with pytest.raises(DimensionError, match="dims"):
        State(np.eye(4) / 4, (2, 3))


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not 0 <= v <= 1))
def test_visibility_out_of_range_rejected(v):
    with pytest.raises(ValidationError):
        werner(v)


def test_spec_parsing_and_files(tmp_path):
    assert np.allclose(state_from_spec("isotropic", {"d": "3", "v": "0.4"}).rho, isotropic(3, 0.4).rho)
    with pytest.raises(UnknownNameError):
        state_from_spec("nope", {})
    with pytest.raises(ValidationError, match="unknown"):
        state_from_spec("werner", {"x": "1"})
    with pytest.raises(ValidationError, match="not a number"):
        state_from_spec("werner", {"v": "abc"})
    np.save(tmp_path / "s.npy", werner(0.3).rho)
    assert np.allclose(load_state(tmp_path / "s.npy").rho, werner(0.3).rho)
    (tmp_path / "s.json").write_text(json.dumps(werner(0.3).to_json()))
    s = state_from_spec(str(tmp_path / "s.json"), {"v": "0.5"})
    assert np.allclose(s.rho, 0.5 * werner(0.3).rho + 0.5 * np.eye(4) / 4)
    with pytest.raises(InputFileError):
        load_state(tmp_path / "missing.npy")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputFileError):
        load_state(tmp_path / "bad.json")


def test_from_array_guesses_dims():
    assert from_array(np.eye(9) / 9).dims == (3, 3)
    assert product(3).dims == (3, 3)
    with pytest.raises(DimensionError):
        from_array(np.eye(3) / 3)


@given(st.integers(0, 2**31), st.sampled_from([(2, 2), (3, 2), (2, 3)]), st.floats(0, 1))
def test_random_states_are_reproducible_full_rank_states(seed, dn, v):
    from quantcorr.states import random

    d, n = dn
    a, b = random(d, n, seed, v), random(d=d, n=n, seed=seed, v=v)
    assert np.array_equal(a.rho, b.rho) and a.dims == (d,) * n
    ev = np.linalg.eigvalsh(a.rho)
    assert ev.min() > 0 and np.trace(a.rho).real == pytest.approx(1)


def test_random_state_by_name_and_bad_parameters():
    rho = state_from_spec("random", {"seed": "11"}).rho
    rng = np.random.default_rng(11)  # the documented construction: G G^dag / tr with G Ginibre
    g = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    assert np.allclose(rho, g @ g.conj().T / np.trace(g @ g.conj().T).real, atol=1e-15)
    assert not np.allclose(rho, state_from_spec("random", {"seed": "12"}).rho)
    for params, what in (({"seed": "-1"}, "seed"), ({"seed": "1.5"}, "seed"), ({"d": "2", "n": "11"}, "limit")):
        with pytest.raises(ValidationError, match=what):
            state_from_spec("random", params)
