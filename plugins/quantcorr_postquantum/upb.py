"""The "Shifts" unextendible product basis of three qubits and its entanglement witness
(Bennett et al., PRL 82, 5385 (1999); Terhal, Lin. Alg. Appl. 323, 61 (2001)), used for the
`upb-shifts` Gleason assemblage (Sainz et al., NJP 20, 083040 (2018), Example 7).

With e = cos(theta)|0> + sin(theta)|1> and e_perp = -sin(theta)|0> + cos(theta)|1>
(theta = pi/4: {|+>, |->}), the basis is {|0,1,e>, |1,e,0>, |e,0,1>, |e_perp,e_perp,e_perp>}.
Pi is the projector onto its span and eps = min <abc|Pi|abc> over product states; then
W = Pi - eps*1 is non-negative on product states and tr(W rho_BE) = -eps < 0 on the bound
entangled state rho_BE = (1 - Pi)/4.

How eps is obtained (`shifts_epsilon`): alternating minimisation (each step an exact 2x2
eigenproblem) from 64 seeded product starts, 200 sweeps; it returns the least value reached,
an upper bound on the true minimum eps*, accurate to ~1e-10 when the starts reach the global
minimum (all runs at theta = pi/4 agree to 1e-12). What is PROVEN is the bracket of
`shifts_epsilon_bounds`: a (theta, phi) grid on the first two Bloch spheres with the exact
minimum over the third, minus the Lipschitz slack r (f changes by at most |n - n'|/2 when one
Bloch vector moves, r = grid covering radius), so eps_lower <= eps* <= eps.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from quantcorr.errors import ValidationError


def _kets(theta: float) -> tuple[np.ndarray, ...]:
    z0, z1 = np.array([1, 0], complex), np.array([0, 1], complex)
    e = np.array([np.cos(theta), np.sin(theta)], complex)
    ep = np.array([-np.sin(theta), np.cos(theta)], complex)
    return z0, z1, e, ep


def shifts_basis(theta: float = np.pi / 4) -> np.ndarray:
    """The four product vectors (4, 8) of the Shifts UPB."""
    if abs(np.sin(2 * theta)) < 1e-3:
        raise ValidationError(f"theta={theta:g}: e must not be a computational basis state (|sin 2 theta| >= 1e-3), "
                              "otherwise the Shifts set is extendible")
    z0, z1, e, ep = _kets(theta)

    def k(a, b, c):
        return np.kron(np.kron(a, b), c)

    return np.array([k(z0, z1, e), k(z1, e, z0), k(e, z0, z1), k(ep, ep, ep)])


def shifts_projector(theta: float = np.pi / 4) -> np.ndarray:
    v = shifts_basis(theta)
    return v.T @ v.conj()


def _lowest(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, u = np.linalg.eigh(M)
    return w[:, 0], u[:, :, 0]


@lru_cache(maxsize=32)
def shifts_epsilon(theta: float = np.pi / 4, starts: int = 64, sweeps: int = 200) -> float:
    """Least <abc|Pi|abc> reached by alternating minimisation (see the module docstring)."""
    T = shifts_projector(theta).reshape((2,) * 6)
    rng = np.random.default_rng(0)

    def rand():
        v = rng.standard_normal((starts, 2)) + 1j * rng.standard_normal((starts, 2))
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    a, b, c = rand(), rand(), rand()
    for _ in range(sweeps):
        _, c = _lowest(np.einsum("si,sj,ijkIJK,sI,sJ->skK", a.conj(), b.conj(), T, a, b))
        _, a = _lowest(np.einsum("sj,sk,ijkIJK,sJ,sK->siI", b.conj(), c.conj(), T, b, c))
        val, b = _lowest(np.einsum("si,sk,ijkIJK,sI,sK->sjJ", a.conj(), c.conj(), T, a, c))
    return float(val.min())


def shifts_epsilon_bounds(theta: float = np.pi / 4, n_theta: int = 40, n_phi: int = 80) -> tuple[float, float]:
    """(eps_lower, eps_upper): eps_lower <= eps* proven by a grid bound, eps_upper = the
    alternating-minimisation value (>= eps* since it is attained by a product state)."""
    T = shifts_projector(theta).reshape((2,) * 6)
    th = np.linspace(0, np.pi, n_theta)
    ph = np.arange(n_phi) * 2 * np.pi / n_phi
    tt, pp = np.meshgrid(th, ph, indexing="ij")
    kets = np.stack([np.cos(tt / 2).ravel(), (np.sin(tt / 2) * np.exp(1j * pp)).ravel()], axis=1)
    radius = float(np.hypot(np.pi / (2 * (n_theta - 1)), np.pi / n_phi))  # chart distance >= chord distance
    Ta = np.einsum("si,ijkIJK,sI->sjJkK", kets.conj(), T, kets).reshape(len(kets), 4, 4)
    B = np.einsum("tj,tJ->tjJ", kets.conj(), kets).reshape(len(kets), 4)
    best = np.inf
    for start in range(0, len(kets), 512):
        M = np.tensordot(B, Ta[start:start + 512], axes=([1], [1]))  # (t, s, kK): <a_s b_t|Pi|a_s b_t>
        tr = (M[..., 0] + M[..., 3]).real
        gap = np.sqrt((M[..., 0] - M[..., 3]).real ** 2 + 4 * np.abs(M[..., 1]) ** 2)
        best = min(best, float(((tr - gap) / 2).min()))
    # two Bloch vectors each move by at most `radius`; f is 1/2-Lipschitz in each
    return best - radius, shifts_epsilon(theta)


def shifts_witness(theta: float = np.pi / 4) -> np.ndarray:
    """W = (Pi - eps 1) / tr(Pi - eps 1): unit trace, non-negative on product states up to the
    accuracy of eps (module docstring)."""
    eps = shifts_epsilon(float(theta))
    W = shifts_projector(theta) - eps * np.eye(8)
    return W / np.trace(W).real
