"""Samplers of labelled CHSH points (one chunk at a time; see dataset.py for the resumable driver).

- uniform: uniform in the NS set of the space (unbalanced: in space 4 about 7.5% of the points
  are not quantum, in space 8 about 1%).
- balanced: uniform candidates, labelled, the first n/2 of each class kept (rejection), so each
  class is uniform on its own region.
- boundary: directions u = uniform NS points, lambda* = max lambda with lambda*u in Q_level, and
  the pair (1 - sigma) lambda* u (quantum) and (1 + sigma) lambda* u (not quantum). A direction
  whose outer point would leave the NS set (the quantum boundary lies on an NS facet there) is
  dropped, so every pair straddles the curved part of the boundary. Arrays u, lam (lambda*) and
  lam_ns (the NS limit) are kept for every direction sampled, dropped ones included (the gauge
  model learns from the open ones among them), and pair_dir[k] is the direction of pair k;
  pairs at any other sigma can be rebuilt from them.
- curved: the boundary sampler restricted to the open directions (geometry.open_rays: the ray
  crosses a CHSH facet of the local polytope inside NS). The other directions are discarded
  before labelling: on them lambda* = lambda_NS exactly and no point is left open by the exact
  rules. Same pairs and the same distribution of pair directions as `boundary` (NS-uniform,
  conditioned on straddling). In space 8, 11.7% of NS-uniform rays are open (each needs one NPA
  solve) and about 39% of those are curved (lambda* < lambda_NS), so a pair costs about 2.6 NPA
  solves and 4.5 stored directions instead of 40.
"""

from __future__ import annotations

import numpy as np

from .geometry import ns_max_scaling, open_rays, sample_ns
from .labels import Labeller

SAMPLERS = ("uniform", "balanced", "boundary", "curved")


def uniform(n: int, space: int, rng: np.random.Generator, labeller: Labeller) -> dict[str, np.ndarray]:
    x = sample_ns(n, space, rng)
    return {"x": x, "y": labeller.contains(x).astype(np.int8)}


def balanced(n: int, space: int, rng: np.random.Generator, labeller: Labeller) -> dict[str, np.ndarray]:
    need = {1: n - n // 2, 0: n // 2}
    got: dict[int, list[np.ndarray]] = {0: [], 1: []}
    batch = max(2 * n, 256)
    while need[0] > 0 or need[1] > 0:
        x = sample_ns(batch, space, rng)
        y = labeller.contains(x)
        for cls, mask in ((1, y), (0, ~y)):
            take = x[mask][:need[cls]]
            got[cls].append(take)
            need[cls] -= len(take)
        batch = min(8 * batch, 200_000) if need[0] > 0 else batch
    xs = np.concatenate(got[1] + got[0])
    ys = np.concatenate([np.ones(n - n // 2, np.int8), np.zeros(n // 2, np.int8)])
    order = rng.permutation(n)
    return {"x": xs[order], "y": ys[order]}


def pairs_at(u: np.ndarray, lam: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Points (1 - sigma) lam u (label 1) and (1 + sigma) lam u (label 0), interleaved per pair."""
    inner = ((1 - sigma) * lam)[:, None] * u
    outer = ((1 + sigma) * lam)[:, None] * u
    x = np.stack([inner, outer], axis=1).reshape(-1, u.shape[1])
    y = np.tile(np.array([1, 0], np.int8), len(u))
    return x, y


def straddles(lam: np.ndarray, lam_ns: np.ndarray, sigma: float) -> np.ndarray:
    """Pairs whose outer point (1 + sigma) lam u is still strictly inside the NS set."""
    return np.isfinite(lam) & (lam > 0) & ((1 + sigma) * lam < lam_ns * (1 - 1e-9))


def boundary(n: int, space: int, rng: np.random.Generator, labeller: Labeller, sigma: float,
             open_only: bool = False) -> dict[str, np.ndarray]:
    pairs = n // 2
    us, lams, lnss, picks = [], [], [], []
    have, seen, batch = 0, 0, max(pairs, 16)
    while have < pairs:
        u = sample_ns(batch, space, rng)
        if open_only:
            u = u[open_rays(u)]
        lam = labeller.max_scaling(u)
        lam_ns = ns_max_scaling(u)
        idx = np.flatnonzero(straddles(lam, lam_ns, sigma))[:pairs - have]
        stop = idx[-1] + 1 if have + len(idx) == pairs else len(u)  # keep directions up to the last pair taken
        us.append(u[:stop]), lams.append(lam[:stop]), lnss.append(lam_ns[:stop]), picks.append(idx + seen)
        have, seen = have + len(idx), seen + stop
        batch = max(int(1.3 * (pairs - have) * batch / max(len(idx), 1)), 16)
    u, lam, lam_ns = (np.concatenate(a) for a in (us, lams, lnss))
    pair_dir = np.concatenate(picks)
    x, y = pairs_at(u[pair_dir], lam[pair_dir], sigma)
    return {"x": x, "y": y, "u": u, "lam": lam, "lam_ns": lam_ns, "pair_dir": pair_dir}


def sample_chunk(sampler: str, n: int, space: int, rng: np.random.Generator, labeller: Labeller,
                 sigma: float) -> dict[str, np.ndarray]:
    if sampler == "uniform":
        return uniform(n, space, rng, labeller)
    if sampler == "balanced":
        return balanced(n, space, rng, labeller)
    return boundary(n, space, rng, labeller, sigma, open_only=sampler == "curved")
