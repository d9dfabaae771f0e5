"""Bell functionals and the Collins-Gisin (CG) parametrisation of behaviours.

A Bell functional is an array c[x, y, a, b] (the shape of a behaviour) with value
sum_{xyab} c p(a,b|x,y). The CG form of a no-signalling behaviour lists pA(a|x), pB(b|y) and
p(a,b|x,y) for a < oA-1, b < oB-1 (the last outcomes are implied). `cg_to_full` is the linear
map from CG data (the data words of a `MomentStructure`, identity first) to the full array.
Local bounds are exact enumerations over one party's deterministic strategies (the party with
fewer) with the other's best response per setting (max_g sum_y c(g(y)) = sum_y max_b c(b), so
this equals the maximum over every deterministic point).
"""

from __future__ import annotations

import numpy as np

from quantcorr.errors import ProblemTooLargeError

from .words import MomentStructure

MAX_ALICE_STRATEGIES = 2 ** 20


def cg_to_full(st: MomentStructure) -> np.ndarray:
    """T (mA, mB, oA, oB, n_data): p[x, y, a, b] = T[x, y, a, b] @ data for NS behaviours."""
    (ma, mb), (oa, ob) = st.settings, st.outcomes
    pos = {k: i for i, k in enumerate(st.data_key)}
    T = np.zeros((ma, mb, oa, ob, st.n_data))
    inv = st.mode == "involution"
    for x in range(ma):
        for y in range(mb):
            for a in range(oa):
                for b in range(ob):
                    row = T[x, y, a, b]
                    if inv:  # p = [1 + s_a A_x + s_b B_y + s_a s_b E_xy] / 4
                        sa, sb = 1 - 2 * a, 1 - 2 * b
                        row[pos[()]] += 0.25
                        row[pos[("A", x, 0)]] += 0.25 * sa
                        row[pos[("B", y, 0)]] += 0.25 * sb
                        row[pos[("AB", x, y, 0, 0)]] += 0.25 * sa * sb
                        continue
                    la, lb = a == oa - 1, b == ob - 1
                    if not la and not lb:
                        row[pos[("AB", x, y, a, b)]] += 1
                    elif la and not lb:
                        row[pos[("B", y, b)]] += 1
                        for a2 in range(oa - 1):
                            row[pos[("AB", x, y, a2, b)]] -= 1
                    elif lb and not la:
                        row[pos[("A", x, a)]] += 1
                        for b2 in range(ob - 1):
                            row[pos[("AB", x, y, a, b2)]] -= 1
                    else:
                        row[pos[()]] += 1
                        for a2 in range(oa - 1):
                            row[pos[("A", x, a2)]] -= 1
                        for b2 in range(ob - 1):
                            row[pos[("B", y, b2)]] -= 1
                        for a2 in range(oa - 1):
                            for b2 in range(ob - 1):
                                row[pos[("AB", x, y, a2, b2)]] += 1
    return T


def data_vector(st: MomentStructure, p: np.ndarray) -> np.ndarray:
    """Values of the data words for a behaviour p[x, y, a, b] (marginals averaged over the
    other party's settings, which changes nothing for a no-signalling p)."""
    out = np.empty(st.n_data)
    inv = st.mode == "involution"
    s = np.array([1.0, -1.0])
    for k, key in enumerate(st.data_key):
        if key == ():
            out[k] = 1.0
        elif key[0] == "A":
            pa = p[key[1]].sum(axis=2).mean(axis=0)  # (oA,)
            out[k] = pa @ s if inv else pa[key[2]]
        elif key[0] == "B":
            pb = p[:, key[1]].sum(axis=1).mean(axis=0)
            out[k] = pb @ s if inv else pb[key[2]]
        else:
            _, x, y, a, b = key
            out[k] = s @ p[x, y] @ s if inv else p[x, y, a, b]
    return out


def full_from_data_coefficients(st: MomentStructure, coef: np.ndarray) -> tuple[np.ndarray, float]:
    """A functional sum_k coef_k data_k written as (c[x,y,a,b], constant) with
    sum c p + constant = sum_k coef_k data_k on no-signalling behaviours (marginals are read at
    the other party's setting 0)."""
    (ma, mb), (oa, ob) = st.settings, st.outcomes
    c = np.zeros((ma, mb, oa, ob))
    const = 0.0
    inv = st.mode == "involution"
    s = np.array([1.0, -1.0])
    for k, key in enumerate(st.data_key):
        w = coef[k]
        if key == ():
            const += w
        elif key[0] == "A":
            add = np.zeros(oa)
            if inv:
                add[:] = s
            else:
                add[key[2]] = 1.0
            c[key[1], 0] += w * add[:, None]  # read at Bob's setting 0 (exact on NS behaviours)
        elif key[0] == "B":
            add = np.zeros(ob)
            if inv:
                add[:] = s
            else:
                add[key[2]] = 1.0
            c[0, key[1]] += w * add[None, :]
        else:
            _, x, y, a, b = key
            if inv:
                c[x, y] += w * np.multiply.outer(s, s)
            else:
                c[x, y, a, b] += w
    return c, const


def local_bound(c: np.ndarray) -> float:
    """max over deterministic strategies of sum c[x, y, f(x), g(y)] (exact enumeration)."""
    c = np.asarray(c, float)
    if c.shape[2] ** c.shape[0] > c.shape[3] ** c.shape[1]:
        c = c.transpose(1, 0, 3, 2)  # enumerate the party with fewer strategies
    ma, mb, oa, ob = c.shape
    n_alice = oa ** ma
    if n_alice > MAX_ALICE_STRATEGIES:
        raise ProblemTooLargeError(f"{n_alice} deterministic strategies for one party: above the limit of "
                                   f"{MAX_ALICE_STRATEGIES}; use fewer settings or outcomes")
    best = -np.inf
    chunk = max(1, 2 ** 16 // max(1, mb * ob))
    for start in range(0, n_alice, chunk):
        ids = np.arange(start, min(n_alice, start + chunk))
        f = (ids[:, None] // oa ** np.arange(ma)[None, :]) % oa  # (n, ma)
        # C[n, y, b] = sum_x c[x, y, f_n(x), b]
        C = np.zeros((len(ids), mb, ob))
        for x in range(ma):
            C += c[x][:, f[:, x], :].transpose(1, 0, 2)
        best = max(best, float(C.max(axis=2).sum(axis=1).max()))
    return best


def chsh_functional() -> np.ndarray:
    """CHSH = E00 + E01 + E10 - E11 as c[x, y, a, b] (local bound 2, quantum 2 sqrt 2)."""
    s = np.array([1.0, -1.0])
    c = np.zeros((2, 2, 2, 2))
    for x in range(2):
        for y in range(2):
            c[x, y] = (-1 if x == y == 1 else 1) * np.multiply.outer(s, s)
    return c


def i3322_functional() -> np.ndarray:
    """I3322 in Collins-Gisin form (Collins & Gisin, J. Phys. A 37, 1775 (2004)), outcome 0:
    -pA(0|0) - 2 pB(0|0) - pB(0|1) + p(00|00) + p(00|01) + p(00|02) + p(00|10) + p(00|11)
    - p(00|12) + p(00|20) - p(00|21), written on full behaviours; local bound 0, quantum
    maximum 0.250875... (settings x, y = 0, 1, 2)."""
    c = np.zeros((3, 3, 2, 2))
    joint = {(0, 0): 1, (0, 1): 1, (0, 2): 1, (1, 0): 1, (1, 1): 1, (1, 2): -1, (2, 0): 1, (2, 1): -1}
    for (x, y), w in joint.items():
        c[x, y, 0, 0] += w
    c[0, 0, 0, :] -= 1.0  # -pA(0|0), read at Bob's setting 0 (no-signalling)
    c[0, 0, :, 0] -= 2.0  # -2 pB(0|0), read at Alice's setting 0
    c[0, 1, :, 0] -= 1.0  # -pB(0|1)
    return c
