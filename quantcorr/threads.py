"""One place that caps the threads of BLAS/OpenMP (numpy, scipy, solvers) for the small dense
linear algebra of the certifiers.

Why: on a shared machine, uncapped OpenBLAS threads cost 100-1000x on small LAPACK calls
(measured: a QR of `independent_rows` 0.52 s with two threads, 0.7 ms with one), and
`torch.set_num_threads` does not reach numpy's BLAS. `Certifier.certify` runs every solver
inside `thread_limit()`; the cap is 1 unless the user asks for more with `quantcorr --threads N`
or `QUANTCORR_THREADS=N` (0: leave the libraries' defaults). threadpoolctl does the work.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

ENV = "QUANTCORR_THREADS"


def configured_threads() -> int:
    """The cap from $QUANTCORR_THREADS (default 1; 0 means no cap)."""
    raw = os.environ.get(ENV, "1").strip()
    try:
        n = int(raw)
    except ValueError:
        return 1
    return max(n, 0)


@contextmanager
def thread_limit(n: int | None = None) -> Iterator[None]:
    """Cap BLAS/OpenMP threads to `n` (default: `configured_threads()`) inside the block."""
    n = configured_threads() if n is None else n
    if n == 0:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional at run time: without it the libraries keep their defaults
        yield
        return
    with threadpool_limits(limits=n):
        yield
