import numpy as np
import pytest
from hypothesis import given, strategies as st

from quantcorr.correlations import Behaviour, deterministic_points, pr_box, white_noise
from quantcorr.errors import NoSignallingError, ValidationError
from quantcorr.measurements import MeasurementSet
from quantcorr.states import State


def test_pr_box_and_noise():
    assert np.isclose(pr_box().chsh_value(), 4)
    assert np.isclose(pr_box().mixed(white_noise(), 1 / np.sqrt(2)).chsh_value(), 2 * np.sqrt(2))


def test_tsirelson_from_state():
    phi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    s = State(np.outer(phi, phi), (2, 2))
    a = MeasurementSet.from_bloch([[0, 0, 1], [1, 0, 0]])
    b = MeasurementSet.from_bloch([[1, 0, 1], [-1, 0, 1]])
    assert np.isclose(Behaviour.from_state(s, a, b).chsh_value(), 2 * np.sqrt(2))


def test_deterministic_points_are_local():
    pts = deterministic_points()
    assert len(pts) == 16
    assert max(abs(p.chsh_value()) for p in pts) == pytest.approx(2)


@given(st.lists(st.floats(-1, 1), min_size=4, max_size=4))
def test_chsh_coordinates_round_trip_for_correlators(e):
    e = np.array(e) / 4  # small enough to keep every probability non-negative
    b = Behaviour.from_chsh(e)
    assert np.allclose(b.chsh_coordinates(), np.concatenate([np.zeros(4), e]))


def test_invalid_behaviours():
    p = pr_box().p.copy()
    p[0, 0] = [[1, 0], [0, 0]]
    with pytest.raises(NoSignallingError):
        Behaviour(p)
    with pytest.raises(ValidationError):
        Behaviour(np.full((2, 2, 2, 2), 0.3))
    with pytest.raises(ValidationError):
        Behaviour(np.full((2, 2, 2, 2), np.nan))
