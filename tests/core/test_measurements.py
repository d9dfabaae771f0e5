import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from quantcorr.errors import DimensionError, InvalidPOVMError, UnknownNameError, ValidationError
from quantcorr.linalg import to_gell_mann
from quantcorr.measurements import POVM, MeasurementSet, MeasurementSpace, measurements_from_spec, mubs
from quantcorr.polyhedra import cube, dodecahedron, icosahedron


def test_named_qubit_sets():
    for name, m in [("xz", 2), ("paulis", 3), ("cube", 4), ("icosahedron", 6), ("dodecahedron", 10)]:
        ms = measurements_from_spec(name, 2)
        assert ms.n_settings == m and ms.n_outcomes == 2 and ms.finite
    with pytest.raises(DimensionError):
        measurements_from_spec("paulis", 3)


def test_polyhedra_axes_are_distinct_unit_vectors():
    for dirs in (cube(), icosahedron(), dodecahedron()):
        assert np.allclose(np.linalg.norm(dirs, axis=1), 1)
        g = np.abs(dirs @ dirs.T) - np.eye(len(dirs))
        assert g.max() < 1 - 1e-9


@pytest.mark.parametrize("d", [2, 3, 5])
def test_mubs_are_mutually_unbiased(d):
    e = mubs(d).elements
    assert e.shape == (d + 1, d, d, d)
    for x in range(d + 1):
        for y in range(x + 1, d + 1):
            overlaps = np.einsum("aij,bji->ab", e[x], e[y]).real
            assert np.allclose(overlaps, 1 / d)
    assert mubs(d, 2).n_settings == 2
    with pytest.raises(ValidationError):
        mubs(4)


def test_qubit_mubs_equal_paulis():
    g_mubs = to_gell_mann(mubs(2).elements[:, 0])[:, 1:]
    assert {tuple(np.round(v, 12)) for v in np.abs(g_mubs)} == {(1, 0, 0), (0, 1, 0), (0, 0, 1)}


@settings(max_examples=25)
@given(st.sampled_from(["pvm", "povm"]), st.integers(2, 4), st.integers(0, 10_000))
def test_samplers_give_valid_rank_one_povms(kind, d, seed):
    space = MeasurementSpace(kind, d)
    e = space.sample(4, np.random.default_rng(seed))
    assert e.shape == (4, space.n_outcomes, d, d)
    assert np.allclose(e.sum(1), np.eye(d), atol=1e-10)
    assert np.linalg.eigvalsh(e).min() > -1e-10
    nonzero = np.abs(e).sum((-2, -1)) > 1e-12
    assert (np.linalg.matrix_rank(e[nonzero], tol=1e-8) == 1).all()
    for povm, used in zip(e, nonzero):  # extremal: linearly independent elements, d..d^2 of them
        assert d <= used.sum() <= d * d and not used[used.sum():].any()
        assert np.linalg.matrix_rank(povm[used].reshape(used.sum(), d * d), tol=1e-8) == used.sum()


def test_povm_sampler_mixes_outcome_numbers_including_pvms():
    e = MeasurementSpace("povm", 2).sample(3000, np.random.default_rng(0))
    counts = np.bincount((np.abs(e).sum((-2, -1)) > 1e-12).sum(1), minlength=5)[2:]
    assert counts.min() > 900  # K = 2, 3, 4 equally likely
    two = e[(np.abs(e).sum((-2, -1)) > 1e-12).sum(1) == 2][:, :2]
    assert np.allclose(two @ two, two, atol=1e-10)  # two outcomes: projective


def test_invalid_povm_and_spec_errors(tmp_path):
    with pytest.raises(InvalidPOVMError, match="identity"):
        POVM(np.array([np.eye(2) / 2, np.eye(2) / 3]))
    with pytest.raises(InvalidPOVMError, match="semidefinite"):
        POVM(np.array([np.diag([1.5, 0]), np.diag([-0.5, 1])]))
    with pytest.raises(UnknownNameError):
        measurements_from_spec("nonsense", 2)
    with pytest.raises(ValidationError):
        measurements_from_spec("bloch:1,0", 2)
    ms = measurements_from_spec("bloch:1,0,0;0,0,2", 2)
    assert ms.n_settings == 2
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"povms": [[[[1, 0], [0, 0]], [[0, 0], [0, 1]]]]}))
    assert measurements_from_spec(str(path), 2).n_settings == 1
    path.write_text(json.dumps({"povms": [[[[1, 0], [0, 0]], [[0, 0], [0, 0.5]]]]}))
    with pytest.raises(InvalidPOVMError):
        measurements_from_spec(str(path), 2)
    with pytest.raises(DimensionError):
        np.save(tmp_path / "m.npy", mubs(3).elements)
        measurements_from_spec(str(tmp_path / "m.npy"), 2)


def test_mixed_outcome_counts_are_zero_padded():
    trine = np.array([[np.cos(2 * np.pi * k / 3), 0, np.sin(2 * np.pi * k / 3)] for k in range(3)])
    elements = np.array([(np.eye(2) + np.einsum("k,kij->ij", u, _pauli_xz())) / 3 for u in trine])
    ms = MeasurementSet((POVM(elements), mubs(2).povms[0]))
    assert ms.elements.shape == (2, 3, 2, 2)
    assert np.allclose(ms.elements[1, 2], 0)


def _pauli_xz():
    return np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]])
