import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from quantcorr.linalg import (from_gell_mann, gell_mann, haar_unitary, partial_trace, project_psd, to_gell_mann,
                              trace_norm)


@given(st.integers(2, 5))
def test_gell_mann_orthogonality_and_normalisation(d):
    g = gell_mann(d)
    gram = np.einsum("mij,nji->mn", g, g)
    assert np.allclose(gram, 2 * np.eye(d * d))
    assert np.allclose(g[0], np.sqrt(2 / d) * np.eye(d))


def _hermitian(d, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))
    return a + a.conj().T


@given(st.integers(2, 4), st.integers(0, 10_000))
def test_gell_mann_round_trip_and_state_normalisation(d, seed):
    a = _hermitian(d, seed)
    assert np.allclose(from_gell_mann(to_gell_mann(a)), a)
    rho = project_psd(a) + np.eye(d)
    rho = rho / np.trace(rho).real
    assert np.isclose(to_gell_mann(rho)[0], 1.0)


@given(arrays(np.float64, (6, 4), elements=st.floats(-5, 5)))
def test_trace_norm_closed_form_matches_eigenvalues(x):
    a = np.empty((len(x), 2, 2), complex)
    a[:, 0, 0], a[:, 1, 1] = x[:, 0], x[:, 3]
    a[:, 0, 1] = x[:, 1] + 1j * x[:, 2]
    a[:, 1, 0] = x[:, 1] - 1j * x[:, 2]
    expected = np.abs(np.linalg.eigvalsh(a)).sum(-1)
    assert np.allclose(trace_norm(a), expected)


def test_trace_norm_qutrit_and_partial_trace():
    a = _hermitian(3, 1)
    assert np.isclose(trace_norm(a), np.abs(np.linalg.eigvalsh(a)).sum())
    ra, rb = np.diag([0.7, 0.3]), np.diag([0.2, 0.5, 0.3])
    rho = np.kron(ra, rb)
    assert np.allclose(partial_trace(rho, (2, 3), (0,)), ra)
    assert np.allclose(partial_trace(rho, (2, 3), (1,)), rb)


@settings(max_examples=20)
@given(st.integers(2, 4), st.integers(0, 1000))
def test_haar_unitary_is_unitary(d, seed):
    u = haar_unitary(d, 3, np.random.default_rng(seed))
    assert np.allclose(u @ u.conj().transpose(0, 2, 1), np.eye(d))
