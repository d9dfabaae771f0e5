"""Direction sets for the polytope method: parsing user specs, the shrinking factor, and the
hidden states (inner) or outer vertices used on Bob's side.

A direction spec is a name from `quantcorr.polyhedra.DIRECTION_SETS` (octahedron, cube,
icosahedron, dodecahedron, icosidodecahedron, geodesic-42/162/642/2562), `geodesic:F` (frequency
F), `bloch:x,y,z;x,y,z;...`, or a file: `.npy` array (k, 3) or `.json` holding a list of
[x, y, z] or {"bloch": [[x, y, z], ...]}. Antipodal duplicates are removed (u and -u give the
same two-outcome measurement up to relabelling).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from quantcorr.errors import InputFileError, UnknownNameError, ValidationError
from quantcorr.linalg import to_gell_mann
from quantcorr.polyhedra import DIRECTION_SETS, geodesic

SHRINK = 1.0 - 1e-9  # hidden Bloch vectors are pulled inside the sphere so every state is PSD


def directions_from_spec(spec: str) -> np.ndarray:
    """Unit vectors (k, 3), one per antipodal pair, for a direction spec (see module doc)."""
    spec = spec.strip()
    if spec in DIRECTION_SETS:
        u = DIRECTION_SETS[spec]()
    elif m := re.fullmatch(r"geodesic:(\d+)", spec):
        u = geodesic(int(m.group(1)))
    elif spec.startswith("bloch:"):
        try:
            u = np.array([[float(c) for c in part.split(",")] for part in spec[6:].split(";") if part], float)
        except ValueError:
            raise ValidationError(f"cannot parse Bloch vectors in '{spec}' (use bloch:x,y,z;x,y,z)") from None
    elif Path(spec).suffix in (".json", ".npy") or Path(spec).exists():
        u = _load(Path(spec))
    else:
        raise UnknownNameError(f"unknown direction set '{spec}'; known: {', '.join(DIRECTION_SETS)}, "
                               "geodesic:F, bloch:x,y,z;..., or a .json/.npy file")
    return _unique_axes(u, spec)


def _load(path: Path) -> np.ndarray:
    if not path.is_file():
        raise InputFileError(f"direction file not found: {path}")
    try:
        if path.suffix == ".npy":
            return np.asarray(np.load(path, allow_pickle=False), float)
        data = json.loads(path.read_text())
        return np.asarray(data["bloch"] if isinstance(data, dict) else data, float)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputFileError(f"cannot read directions from {path}: {exc}") from None


def _unique_axes(u: np.ndarray, spec: str) -> np.ndarray:
    u = np.asarray(u, float)
    if u.ndim != 2 or u.shape[1] != 3 or len(u) == 0:
        raise ValidationError(f"direction set '{spec}': expected a non-empty list of 3-vectors, got shape {u.shape}")
    norms = np.linalg.norm(u, axis=1)
    if not np.all(np.isfinite(u)) or np.any(norms < 1e-12):
        raise ValidationError(f"direction set '{spec}': directions must be finite and non-zero")
    u = u / norms[:, None]
    keep: list[int] = []
    for i in range(len(u)):
        if not keep or np.max(np.abs(u[keep] @ u[i])) < 1 - 1e-12:
            keep.append(i)
    return u[keep]


def shrinking_factor(directions: np.ndarray) -> float:
    """Inradius of conv{+-u_x}: the least distance of its facets to the origin (0 when the
    directions do not span R^3, since the polytope is then flat)."""
    from scipy.spatial import ConvexHull
    from scipy.spatial import QhullError

    u = np.asarray(directions, float)
    if np.linalg.matrix_rank(u, tol=1e-9) < 3:
        return 0.0
    try:
        hull = ConvexHull(np.vstack([u, -u]))
    except QhullError:
        return 0.0
    return float(max(0.0, np.min(-hull.equations[:, 3])))


def qubit_inner_states(directions: np.ndarray) -> np.ndarray:
    """Gell-Mann coordinates (2k, 4) of the qubit states (I +- SHRINK u.sigma)/2: PSD hidden states."""
    return bloch_coords(np.vstack([directions, -directions]) * SHRINK)


def qubit_outer_vertices(directions: np.ndarray) -> np.ndarray:
    """Bloch vectors (2k, 3) +-u / (r SHRINK), r the inradius of conv{+-u}: the vertices of a
    polytope containing the Bloch ball with margin 1e-9 (their operators are not states)."""
    r = shrinking_factor(directions)
    if r <= 0:
        raise ValidationError("outer polytope: the directions do not span R^3")
    return np.vstack([directions, -directions]) / (r * SHRINK)


def hull_inradius(points: np.ndarray) -> float:
    """Least distance from the origin to a facet of conv(points) (0 if the origin is not inside):
    conv(points) contains the ball of that radius. Unlike `shrinking_factor`, no symmetrisation."""
    from scipy.spatial import ConvexHull
    from scipy.spatial import QhullError

    p = np.asarray(points, float)
    if len(p) < 4 or np.linalg.matrix_rank(p - p.mean(0), tol=1e-9) < 3:
        return 0.0
    try:
        return float(max(0.0, np.min(-ConvexHull(p).equations[:, 3])))
    except QhullError:
        return 0.0


def tangent_vertices(tangents: np.ndarray) -> np.ndarray:
    """Vertices, pushed out by 1/SHRINK, of P = {n : t.n <= 1 for every row t of `tangents`} (unit
    vectors whose hull contains the origin): P is the polar of conv(tangents), its facets are
    tangent planes of the Bloch sphere, so it contains the ball; each facet w.x = h of
    conv(tangents) (w a unit normal) gives the vertex w / h."""
    from scipy.spatial import ConvexHull

    eq = ConvexHull(np.asarray(tangents, float)).equations
    return eq[:, :3] / (-eq[:, 3:4]) / SHRINK


def refine_tangents(tangents: np.ndarray, score, batch: int, maps: np.ndarray | None = None,
                    vertices: np.ndarray | None = None) -> np.ndarray:
    """Cutting planes: add the tangent planes at +-(direction of) the `batch` vertices of
    `tangent_vertices(tangents)` where score(vertices) is largest (kept centrally symmetric).
    `maps` (K, 3, 3): also add their images, so a polytope invariant under a group of maps under
    which the score is invariant stays invariant (its maxima come in whole orbits). `vertices`:
    `tangent_vertices(tangents)` when the caller already has them."""
    vert = tangent_vertices(tangents) if vertices is None else vertices
    top = vert[np.argsort(score(vert))[-batch:]]
    new = top / np.linalg.norm(top, axis=1, keepdims=True)
    if maps is not None:
        new = np.einsum("kij,nj->kni", maps, new).reshape(-1, 3)
        new = new[np.unique(np.round(new, 12), axis=0, return_index=True)[1]]
    return np.vstack([tangents, new, -new])


def bloch_coords(vectors: np.ndarray) -> np.ndarray:
    """Gell-Mann coordinates (k, 4) of the qubit operators (I + n.sigma)/2."""
    return np.hstack([np.ones((len(vectors), 1)), vectors])


def sampled_pure_states(d: int, n: int, seed: int = 0) -> np.ndarray:
    """Coordinates (n + d, d^2) of PSD hidden states for a qudit Bob: the computational basis and
    n Haar-random pure states, each mixed with weight 1 - SHRINK of I/d."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, d)) + 1j * rng.standard_normal((n, d))
    vecs = np.vstack([np.eye(d), z / np.linalg.norm(z, axis=1, keepdims=True)])
    rho = np.einsum("ni,nj->nij", vecs, vecs.conj())
    return to_gell_mann(SHRINK * rho + (1 - SHRINK) * np.eye(d) / d)
