"""Operator words and NPA moment-matrix structure for a bipartite Bell scenario.

Two operator conventions share this module:
- "projector" (Collins-Gisin form, any outcomes): Alice's letters are projectors E_{a|x} with
  a = 0..oA-2 (the last outcome is dropped), Bob's F_{b|y}; E_{a|x} E_{a|x} = E_{a|x} and
  E_{a|x} E_{a'|x} = 0 for a != a'. Data words: 1, E_{a|x} = pA(a|x), F_{b|y} = pB(b|y),
  E_{a|x} F_{b|y} = p(a,b|x,y).
- "involution" (two outcomes): letters A_x, B_y with A_x^2 = 1 (observables with outcomes +-1).
  Data words: 1, A_x = <A_x>, B_y = <B_y>, A_x B_y = E_xy (the CHSH coordinates).

A word is a pair (alice letters, bob letters) - the parties commute. Moment matrices are taken
real symmetric: the real part of a quantum moment matrix is PSD and has equal entries on a word
and its adjoint, so a word and its reverse are identified (canonical form = the smaller of the
two). Levels: "1" = {1, letters}; "1+AB" adds the products of one Alice and one Bob letter;
an integer k = every reduced word of total length <= k.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

from quantcorr.errors import OptionError

from .levels import LEVELS

Letter = tuple  # (setting, outcome) in projector form, (setting,) in involution form
Word = tuple  # (alice letters, bob letters)


def _reduce(letters: tuple, mode: str) -> tuple | None:
    """Reduced form of a one-party product, None when it is zero."""
    stack: list = []
    for letter in letters:
        if stack and stack[-1][0] == letter[0]:
            if mode == "involution":
                stack.pop()  # A_x A_x = 1
                continue
            if stack[-1] == letter:
                continue  # E E = E
            return None  # orthogonal projectors of one measurement
        stack.append(letter)
    return tuple(stack)


def canonical(word: Word) -> Word:
    """A word and its adjoint (both parts reversed) share one moment; keep the smaller."""
    rev = (word[0][::-1], word[1][::-1])
    return min(word, rev)


def _party_words(settings: int, outcomes: int, length: int, mode: str) -> list[tuple]:
    """Reduced words of exactly `length` letters (consecutive letters of different settings)."""
    letters = [(x,) for x in range(settings)] if mode == "involution" else \
        [(x, a) for x in range(settings) for a in range(outcomes - 1)]
    out = []
    for combo in product(letters, repeat=length):
        if all(combo[i][0] != combo[i + 1][0] for i in range(length - 1)):
            out.append(tuple(combo))
    return out


def operator_words(settings: tuple[int, int], outcomes: tuple[int, int], level: str, mode: str) -> list[Word]:
    """The rows of the moment matrix at `level`, identity first."""
    if level not in LEVELS:
        raise OptionError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    pa = lambda n: _party_words(settings[0], outcomes[0], n, mode)  # noqa: E731
    pb = lambda n: _party_words(settings[1], outcomes[1], n, mode)  # noqa: E731
    words: list[Word] = [((), ())] + [(a, ()) for a in pa(1)] + [((), b) for b in pb(1)]
    if level == "1+AB":
        words += [(a, b) for a in pa(1) for b in pb(1)]
    elif level in ("2", "3"):
        k = int(level)
        for total in range(2, k + 1):
            for la in range(total, -1, -1):
                words += [(a, b) for a in pa(la) for b in pb(total - la)]
    return words


def count_operator_words(settings: tuple[int, int], outcomes: tuple[int, int], level: str, mode: str) -> int:
    """Moment-matrix size without building it (for size checks before any work)."""
    def n_words(m: int, o: int, length: int) -> int:
        letters = m * (1 if mode == "involution" else o - 1)
        per_other = letters - (1 if mode == "involution" else o - 1)  # letters of other settings
        return 1 if length == 0 else letters * per_other ** (length - 1)

    ma, oa = settings[0], outcomes[0]
    mb, ob = settings[1], outcomes[1]
    if level == "1":
        return 1 + n_words(ma, oa, 1) + n_words(mb, ob, 1)
    if level == "1+AB":
        return 1 + n_words(ma, oa, 1) + n_words(mb, ob, 1) + n_words(ma, oa, 1) * n_words(mb, ob, 1)
    k = int(level)
    return sum(n_words(ma, oa, la) * n_words(mb, ob, t - la) for t in range(k + 1) for la in range(t + 1))


@dataclass(frozen=True)
class MomentStructure:
    """Moment matrix Gamma[i, j] = y[index[i, j]] (index -1: the entry is zero).

    `words[k]` is the canonical word of moment k; moments 0..n_data-1 are the data words (word
    0 is the identity), the rest are free. `data_key[k]` locates data word k: () for the
    identity, ("A", x, a) / ("B", y, b) for marginals, ("AB", x, y, a, b) for joint terms
    (outcome entries are 0 in involution form)."""

    settings: tuple[int, int]
    outcomes: tuple[int, int]
    level: str
    mode: str
    operators: tuple
    index: np.ndarray
    words: tuple
    n_data: int
    data_key: tuple

    @property
    def size(self) -> int:
        return len(self.operators)

    @property
    def n_free(self) -> int:
        return len(self.words) - self.n_data

    def basis(self) -> np.ndarray:
        """(n_moments, n, n) 0/1 indicator matrices: Gamma = sum_k y_k basis[k]."""
        n = self.size
        out = np.zeros((len(self.words), n, n))
        i, j = np.nonzero(self.index >= 0)
        out[self.index[i, j], i, j] = 1.0
        return out


def _data_key(word: Word, mode: str) -> tuple | None:
    a, b = word
    if len(a) > 1 or len(b) > 1:
        return None
    pad = (lambda L: (L[0][0], 0)) if mode == "involution" else (lambda L: L[0])  # noqa: E731
    if not a and not b:
        return ()
    if not b:
        return ("A", *pad(a))
    if not a:
        return ("B", *pad(b))
    (x, oa), (y, ob) = pad(a), pad(b)
    return ("AB", x, y, oa, ob)


@lru_cache(maxsize=32)
def moment_structure(settings: tuple[int, int], outcomes: tuple[int, int], level: str,
                     mode: str = "projector") -> MomentStructure:
    """Index the moment matrix of the scenario at `level` (identify equal and adjoint words)."""
    if mode == "involution" and tuple(outcomes) != (2, 2):
        raise OptionError("the involution (+-1) form needs two outcomes per setting")
    ops = operator_words(tuple(settings), tuple(outcomes), level, mode)
    n = len(ops)
    entry: dict = {}
    index = np.full((n, n), -1, int)
    for i, (ai, bi) in enumerate(ops):
        for j in range(i, n):
            aj, bj = ops[j]
            ra, rb = _reduce(ai[::-1] + aj, mode), _reduce(bi[::-1] + bj, mode)
            if ra is None or rb is None:
                continue
            w = canonical((ra, rb))
            index[i, j] = index[j, i] = entry.setdefault(w, len(entry))
    words = list(entry)
    keys = [_data_key(w, mode) for w in words]
    data = sorted((k for k in range(len(words)) if keys[k] is not None), key=lambda k: (len(keys[k]), keys[k]))
    free = [k for k in range(len(words)) if keys[k] is None]
    order = data + free
    relabel = np.empty(len(words), int)
    relabel[order] = np.arange(len(words))
    index = np.where(index >= 0, relabel[np.maximum(index, 0)], -1)
    return MomentStructure(tuple(settings), tuple(outcomes), level, mode, tuple(ops), index,
                           tuple(words[k] for k in order), len(data), tuple(keys[k] for k in data))
