"""One cvxpy problem solved by a chain of conic solvers (Clarabel, SCS), shared by the
almost-quantum and negativity SDPs: each attempt's status (or error) is recorded, so results
can say honestly which solver answered and how."""

from __future__ import annotations

from typing import Iterator

import cvxpy as cp


def solve_in_turn(problem: cp.Problem, solvers: tuple[str, ...], tol: float, scs_iters: int,
                  attempts: list[str]) -> Iterator[str]:
    """Solve `problem` with each solver of `solvers` in turn, yielding the status after every call
    that returned; every attempt ("clarabel: optimal", "scs: <error>") is appended to `attempts`.
    The caller stops iterating once it has an answer it accepts."""
    for name in solvers:
        kwargs = ({"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol} if name == "CLARABEL"
                  else {"eps_abs": tol, "eps_rel": tol, "max_iters": scs_iters})
        try:
            problem.solve(solver=name, **kwargs)
        except cp.error.SolverError as exc:
            attempts.append(f"{name.lower()}: {exc}")
            continue
        attempts.append(f"{name.lower()}: {problem.status}")
        yield problem.status
