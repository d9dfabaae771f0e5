"""Direction sets on the Bloch sphere (unit vectors, one per antipodal pair of vertices)."""

from __future__ import annotations

import numpy as np

_PHI = (1 + np.sqrt(5)) / 2


def _axes(vertices: np.ndarray) -> np.ndarray:
    """One representative per antipodal pair, normalised, in a stable order."""
    v = np.asarray(vertices, float)
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    keep: list[np.ndarray] = []
    for u in v:
        if not any(np.allclose(u, -k) or np.allclose(u, k) for k in keep):
            keep.append(u)
    return np.array(keep)


def _signed(*base: tuple[float, float, float]) -> np.ndarray:
    pts = []
    for b in base:
        for sx in (1, -1):
            for sy in (1, -1):
                for sz in (1, -1):
                    pts.append((sx * b[0], sy * b[1], sz * b[2]))
    return np.unique(np.array(pts, float), axis=0)


def _cyclic(p: tuple[float, float, float]) -> list[tuple[float, float, float]]:
    return [p, (p[1], p[2], p[0]), (p[2], p[0], p[1])]


def octahedron() -> np.ndarray:
    return np.eye(3)


def cube() -> np.ndarray:
    return _axes(_signed((1, 1, 1)))


def icosahedron() -> np.ndarray:
    return _axes(_signed(*_cyclic((0, 1, _PHI))))


def dodecahedron() -> np.ndarray:
    return _axes(np.vstack([_signed((1, 1, 1)), _signed(*_cyclic((0, 1 / _PHI, _PHI)))]))


DIRECTION_SETS = {
    "octahedron": octahedron,
    "cube": cube,
    "icosahedron": icosahedron,
    "dodecahedron": dodecahedron,
}
