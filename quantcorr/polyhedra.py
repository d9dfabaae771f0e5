"""Direction sets on the Bloch sphere (unit vectors, one per antipodal pair of vertices).

The single home of direction sets: the Platonic solids, the icosidodecahedron and geodesic
refinements of the icosahedron (`geodesic(f)`: each face split into f^2 triangles and projected
onto the sphere, 10 f^2 + 2 vertices; `geodesic-42`, `-162`, `-642`, `-2562` are f = 2, 4, 8, 16).
"""

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


def icosidodecahedron() -> np.ndarray:
    """30 vertices: the edge midpoints of the icosahedron (15 axes)."""
    return _axes(np.vstack([_signed(*_cyclic((0, 0, _PHI))),
                            _signed(*_cyclic((0.5, _PHI / 2, _PHI**2 / 2)))]))


def _fast_axes(vertices: np.ndarray) -> np.ndarray:
    """Like `_axes` for large sets: sign-canonical representatives, deduplicated, sorted."""
    v = vertices / np.linalg.norm(vertices, axis=1, keepdims=True)
    lead = np.argmax(np.abs(v) > 1e-9, axis=1)
    v = v * np.sign(v[np.arange(len(v)), lead])[:, None]
    _, idx = np.unique(np.round(v, 9), axis=0, return_index=True)
    return v[np.sort(idx)]


def geodesic(frequency: int) -> np.ndarray:
    """Axes of the frequency-f geodesic icosahedron (10 f^2 + 2 vertices, 5 f^2 + 1 axes)."""
    from scipy.spatial import ConvexHull

    f = int(frequency)
    if f < 1:
        raise ValueError(f"geodesic frequency must be >= 1, got {frequency}")
    ico = _signed(*_cyclic((0, 1, _PHI)))
    pts = []
    for i, j, k in ConvexHull(ico).simplices:
        for a in range(f + 1):
            for b in range(f + 1 - a):
                pts.append((a * ico[i] + b * ico[j] + (f - a - b) * ico[k]) / f)
    return _fast_axes(np.array(pts))


DIRECTION_SETS = {
    "octahedron": octahedron,
    "cube": cube,
    "icosahedron": icosahedron,
    "dodecahedron": dodecahedron,
    "icosidodecahedron": icosidodecahedron,
    **{f"geodesic-{10 * f * f + 2}": (lambda f=f: geodesic(f)) for f in (2, 4, 8, 16)},
}
