"""Closed-form bounds on the communication cost of steering (Sainz, Aolita, Brunner, Gallego,
Skrzypczyk, PRA 94, 012308 (2016); REFERENCE.md section 4). Bits are one-way, Alice -> Bob.

- Isotropic state v|phi+><phi+| + (1-v) I/d^2, d a prime power, all d+1 MUBs: the normalised
  inequality (-1 <= sum F D <= 1) reaches 1 + 2 nu >= (1+d)/(1+sqrt d) [1/d + v (1 - 1/d)],
  hence t >= log2{ (1+d)/(1+sqrt d) [1/d + v (1 - 1/d)] + 1 } - 1 = log2(1 + nu_lower).
- Isotropic state of d = 2^k, k anticommuting Clifford observables (m = log2 d):
  t >= log2( v sqrt(m/2) + 1 ) - 1.
- Approximate simulation of a pure two-qubit state's PVM assemblage within trace distance eps:
  t > log2( 2 / (1 - sqrt(1 - 4 eps^2)) ), for 0 < eps < 1/2.
A bound below 0 says nothing; the functions return max(bound, 0).
"""

from __future__ import annotations

import math

from quantcorr.errors import ValidationError


def _check_v(v: float) -> float:
    if not (isinstance(v, (int, float)) and math.isfinite(v) and 0.0 <= v <= 1.0):
        raise ValidationError(f"visibility v must lie in [0, 1], got {v}")
    return float(v)


def _is_prime_power(d: int) -> bool:
    p = next((p for p in range(2, d + 1) if d % p == 0), d)
    while d % p == 0:
        d //= p
    return d == 1


def isotropic_mub_value(d: int, v: float) -> float:
    """Lower bound on 1 + 2 nu for the isotropic state with d+1 MUBs (d a prime power)."""
    if not (isinstance(d, int) and d >= 2 and _is_prime_power(d)):
        raise ValidationError(f"the MUB bound needs a prime-power dimension d >= 2, got {d}")
    v = _check_v(v)
    return (1 + d) / (1 + math.sqrt(d)) * (1 / d + v * (1 - 1 / d))


def isotropic_mub_bits(d: int, v: float) -> float:
    """t >= log2(value + 1) - 1 (clipped at 0)."""
    return max(math.log2(isotropic_mub_value(d, v) + 1) - 1, 0.0)


def clifford_bits(d: int, v: float) -> float:
    """t >= log2(v sqrt(m/2) + 1) - 1 with m = log2 d anticommuting Clifford observables
    (d a power of two; clipped at 0)."""
    if not (isinstance(d, int) and d >= 2 and d & (d - 1) == 0):
        raise ValidationError(f"the Clifford bound needs d a power of two >= 2, got {d}")
    v = _check_v(v)
    m = math.log2(d)
    return max(math.log2(v * math.sqrt(m / 2) + 1) - 1, 0.0)


def approximate_bits(epsilon: float) -> float:
    """Bits needed (strictly more than this) to simulate a pure two-qubit PVM assemblage within
    trace distance epsilon, 0 < epsilon < 1/2."""
    if not (isinstance(epsilon, (int, float)) and 0.0 < epsilon < 0.5):
        raise ValidationError(f"--epsilon must lie in (0, 1/2), got {epsilon}")
    return math.log2(2 / (1 - math.sqrt(1 - 4 * epsilon**2)))
