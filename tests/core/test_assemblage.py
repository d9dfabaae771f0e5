import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from quantcorr.assemblage import Assemblage
from quantcorr.errors import DimensionError, NoSignallingError, NotPSDError, TraceError
from quantcorr.measurements import MeasurementSpace, measurements_from_spec, mubs
from quantcorr.states import ghz, isotropic, werner


@settings(max_examples=20)
@given(st.floats(0, 1), st.sampled_from(["xz", "paulis", "cube"]))
def test_werner_assemblage_closed_form(v, name):
    ms = measurements_from_spec(name, 2)
    a = Assemblage.from_state(werner(v), ms)
    # sigma_{a|x} = (I - (-1)^a v u_x.sigma)/4 for the singlet (anti-correlated)
    e = ms.elements
    expected = (np.eye(2) / 2 - v * (e - np.eye(2) / 2)) / 2
    assert np.allclose(a.sigma, expected)
    assert np.allclose(a.reduced_state(), np.eye(2) / 2)


def test_qutrit_and_multipartite_shapes():
    a = Assemblage.from_state(isotropic(3, 0.5), mubs(3, 2))
    assert a.sigma.shape == (2, 3, 3, 3) and a.no_signalling_violation() < 1e-12
    g = Assemblage.from_state(ghz(3, 0.8), measurements_from_spec("xz", 2))
    assert g.sigma.shape == (2, 2, 2, 2, 2, 2) and g.n_parties == 2
    assert np.isclose(np.trace(g.reduced_state()).real, 1)


def test_from_state_dimension_mismatch():
    with pytest.raises(DimensionError):
        Assemblage.from_state(isotropic(3, 0.5), measurements_from_spec("paulis", 2))


def test_validation_errors():
    good = Assemblage.from_state(werner(0.5), measurements_from_spec("xz", 2)).sigma
    bad = good.copy()
    bad[1, 0] += np.diag([0.1, -0.1])
    bad[1, 1] -= np.diag([0.1, -0.1]) * 0.5
    with pytest.raises(NoSignallingError):
        Assemblage(bad)
    with pytest.raises(TraceError):
        Assemblage(2 * good)
    neg = good.copy()
    neg[0, 0] += np.diag([0.4, -0.4])
    neg[0, 1] -= np.diag([0.4, -0.4])
    with pytest.raises(NotPSDError):
        Assemblage(neg)
    assert Assemblage(neg, require_psd=False).min_eigenvalue() < 0
    with pytest.raises(DimensionError):
        Assemblage(good[0])


def test_json_round_trip_and_mixing():
    a = Assemblage.from_state(werner(0.9), measurements_from_spec("paulis", 2))
    b = Assemblage.from_state(werner(0.0), measurements_from_spec("paulis", 2))
    assert np.allclose(Assemblage.from_json(a.to_json()).sigma, a.sigma)
    assert np.allclose(a.mixed(b, 0.5).sigma, Assemblage.from_state(werner(0.45), measurements_from_spec("paulis", 2)).sigma)


def test_sampled_povm_assemblage_is_valid():
    e = MeasurementSpace("povm", 2).sample(3, np.random.default_rng(0))
    from quantcorr.measurements import MeasurementSet, POVM

    a = Assemblage.from_state(werner(0.7), MeasurementSet(tuple(POVM(x) for x in e)))
    assert a.sigma.shape == (3, 4, 2, 2)


def test_provenance_measurements_follow_from_state_and_mixing():
    from quantcorr import Assemblage, werner
    from quantcorr.errors import DimensionError
    from quantcorr.measurements import measurements_from_spec

    xz = measurements_from_spec("xz", 2)
    a, b = Assemblage.from_state(werner(0.9), xz), Assemblage.from_state(werner(0.1), xz)
    assert a.measurements is not None and np.array_equal(a.measurements[0], xz.elements)
    assert a.mixed(b, 0.5).measurements is not None
    assert a.mixed(a.white_noise_like(), 0.5).measurements is None
    with pytest.raises(DimensionError, match="measurements"):
        a.with_measurements((np.zeros((3, 2, 2, 2)),))
