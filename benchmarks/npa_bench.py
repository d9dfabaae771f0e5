"""Benchmarks of the npa plugin (benchmarks/npa.md). Run from the repository root:

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=plugins \
        nice -n 10 .venv/bin/python benchmarks/npa_bench.py [--quick]

writes benchmarks/results/npa_bench.json. `--toqito` runs only the toqito baseline (it pins
other numpy/cvxpy versions, so it lives in its own virtualenv and needs only numpy, cvxpy and
toqito) and writes benchmarks/results/npa_toqito.json; the same points are regenerated from the
same seed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results"
SEED = 2024
R = 2 ** -0.5


def ns_points(n: int, seed: int = SEED) -> np.ndarray:
    """n points uniform in the 8-dimensional CHSH no-signalling polytope (rejection from the cube)."""
    rng = np.random.default_rng(seed)
    out = []
    s = np.array([1.0, -1.0])
    while sum(len(o) for o in out) < n:
        c = rng.uniform(-1, 1, (200000, 8))
        a, b, e = c[:, :2], c[:, 2:4], c[:, 4:].reshape(-1, 2, 2)
        lin = (s[None, None, None, :, None] * a[:, :, None, None, None] + s[None, None, None, None, :]
               * b[:, None, :, None, None] + np.multiply.outer(s, s)[None, None, None] * e[:, :, :, None, None])
        out.append(c[(1 + lin.reshape(len(c), -1)).min(axis=1) >= 0])
    return np.concatenate(out)[:n]


def pm_structure(level: str):
    """+-1 moment structure of the CHSH scenario as (data (8, n, n), free (m, n, n))."""
    from quantcorr_npa.words import moment_structure

    st = moment_structure((2, 2), (2, 2), level, "involution")
    basis = st.basis()
    keys = [("A", 0, 0), ("A", 1, 0), ("B", 0, 0), ("B", 1, 0)] + \
           [("AB", x, y, 0, 0) for x in range(2) for y in range(2)]
    pos = {k: i for i, k in enumerate(st.data_key)}
    return np.stack([basis[pos[k]] for k in keys]), basis[st.n_data:]


def cvxpy_fresh(points: np.ndarray, level: str) -> tuple[np.ndarray, float]:
    """Membership by a fresh cvxpy feasibility problem per point (Clarabel)."""
    import cvxpy as cp

    data, free = pm_structure(level)
    n = data.shape[1]
    out = []
    start = time.perf_counter()
    for p in points:
        z = cp.Variable(len(free))
        G = np.eye(n) + np.einsum("k,kab->ab", p, data) + sum(z[i] * free[i] for i in range(len(free)))
        prob = cp.Problem(cp.Minimize(0), [G >> 0])
        prob.solve(solver=cp.CLARABEL)
        out.append(prob.status in ("optimal", "optimal_inaccurate"))
    return np.array(out), (time.perf_counter() - start) / len(points)


def cvxpy_dpp(points: np.ndarray, level: str) -> tuple[np.ndarray, float]:
    """Membership with one DPP-compiled cvxpy problem (data as a Parameter), re-solved per point."""
    import cvxpy as cp

    data, free = pm_structure(level)
    n = data.shape[1]
    u = cp.Parameter(8)
    z = cp.Variable(len(free))
    G = np.eye(n) + sum(u[k] * data[k] for k in range(8)) + sum(z[i] * free[i] for i in range(len(free)))
    prob = cp.Problem(cp.Minimize(0), [G >> 0])
    out = []
    start = time.perf_counter()
    for p in points:
        u.value = p
        prob.solve(solver=cp.CLARABEL)
        out.append(prob.status in ("optimal", "optimal_inaccurate"))
    return np.array(out), (time.perf_counter() - start) / len(points)


def batched(points: np.ndarray, level: str, what: str = "contains"):
    from quantcorr_npa.batched import NpaBatch

    b = NpaBatch(level, 8)
    start = time.perf_counter()
    res = b.contains(points) if what == "contains" else b.max_scaling(points)
    return res, (time.perf_counter() - start) / len(points)


def near_boundary(n: int, level: str, eps: float) -> np.ndarray:
    """Points (1 +- eps) lambda* u around the boundary of Q_level (u uniform directions in NS)."""
    from quantcorr_npa.batched import NpaBatch

    u = ns_points(n, SEED + 1)
    lam = NpaBatch(level, 8).max_scaling(u)
    sign = np.where(np.arange(n) % 2 == 0, 1 - eps, 1 + eps)
    return u * (lam * sign)[:, None], sign < 1


def i3322_table(levels=("1", "1+AB", "2", "3")) -> list[dict]:
    from quantcorr_npa.functionals import i3322_functional
    from quantcorr_npa.sdp import max_functional, structure

    rows = []
    for level in levels:
        st = structure((3, 3), (2, 2), level)
        start = time.perf_counter()
        value, upper, status = max_functional(st, i3322_functional())
        rows.append({"level": level, "size": st.size, "value": value, "upper_bound": upper, "status": status,
                     "time_s": time.perf_counter() - start})
        print("I3322", rows[-1], flush=True)
    return rows


def suite_table() -> list[dict]:
    """The chsh suite with both solvers' one-LP / one-SDP thresholds."""
    from quantcorr.correlations import Behaviour
    from quantcorr.measurements import measurements_from_spec
    from quantcorr.states import State, werner
    from quantcorr.threshold import TargetFamily
    from quantcorr_npa.bell_lp import BellLp
    from quantcorr_npa.npa import Npa, NpaOptions
    from quantcorr_npa.plugin import CHSH_ALICE, CHSH_BOB
    from quantcorr_npa.targets import i3322_qubit
    from quantcorr.correlations import pr_box, tsirelson

    def from_state(alice, bob):
        a, b = measurements_from_spec(alice, 2), measurements_from_spec(bob, 2)
        base = Behaviour.from_state(werner(1.0), a, b)
        noise = Behaviour.from_state(State(np.eye(4) / 4, (2, 2), "noise"), a, b)
        return TargetFamily(base, noise, "werner")

    cases = [("chsh-pr-local", "bell", TargetFamily(pr_box(), name="pr-box"), 0.5),
             ("chsh-pr-quantum", "quantum-set", TargetFamily(pr_box(), name="pr-box"), R),
             ("chsh-tsirelson-local", "bell", TargetFamily(tsirelson(), name="tsirelson"), R),
             ("chsh-werner-local", "bell", from_state(CHSH_ALICE, CHSH_BOB), R),
             ("chsh-3322-local", "bell", from_state(CHSH_ALICE + ";0,0,1", CHSH_BOB + f";{-R},0,{-R}"), R),
             ("i3322-qubit-local", "bell", TargetFamily(i3322_qubit(), name="i3322-qubit"), 0.8),
             ("i3322-qubit-quantum", "quantum-set", TargetFamily(i3322_qubit(), name="i3322-qubit"), 1.0)]
    rows = []
    for name, question, family, ref in cases:
        solver, opts = (BellLp(), None) if question == "bell" else (Npa(), NpaOptions(level="1+AB"))
        res = solver.critical_visibility(family, None, opts)
        rows.append({"problem": name, "question": question, "solver": solver.name, "reference": ref,
                     "estimate": res.estimate, "lower": res.lower, "upper": res.upper,
                     "lower_rigor": res.lower_rigor, "upper_rigor": res.upper_rigor,
                     "error": None if res.estimate is None else res.estimate - ref, "time_s": res.wall_time_s,
                     "message": res.message})
        print("suite", rows[-1], flush=True)
    return rows


def single_point() -> list[dict]:
    from quantcorr.correlations import pr_box, tsirelson
    from quantcorr_npa.bell_lp import BellLp
    from quantcorr_npa.npa import Npa

    Npa().certify(pr_box())  # warm-up: cvxpy import and first compile
    rows = []
    for solver in (BellLp(), Npa()):
        for name, b in (("pr-box", pr_box()), ("tsirelson", tsirelson()), ("pr-box v=0.6", pr_box(0.6))):
            res = solver.certify(b)
            rows.append({"solver": solver.name, "target": name, "verdict": res.verdict.value,
                         "rigor": res.rigor and res.rigor.value, "time_s": res.wall_time_s})
            print("single", rows[-1], flush=True)
    return rows


def toqito_only(n: int) -> None:
    """Baseline: toqito's NPA constraints at level 1+ab, one problem per point."""
    import cvxpy as cp
    from toqito.state_opt.npa_hierarchy import npa_constraints

    pts = ns_points(n)
    s = np.array([1.0, -1.0])
    out = []
    start = time.perf_counter()
    for c in pts:
        p = (1 + s[None, None, :, None] * c[:2, None, None, None] + s[None, None, None, :] * c[None, 2:4, None, None]
             + np.multiply.outer(s, s)[None, None] * c[4:].reshape(2, 2)[:, :, None, None]) / 4
        K = {(x, y): cp.Variable((2, 2), name=f"K{x}{y}") for x in range(2) for y in range(2)}
        cons = npa_constraints(K, "1+ab") + [K[x, y] == p[x, y] for x in range(2) for y in range(2)]
        prob = cp.Problem(cp.Minimize(0), cons)
        prob.solve(solver=cp.CLARABEL)
        out.append(prob.status in ("optimal", "optimal_inaccurate"))
    per = (time.perf_counter() - start) / n
    res = {"n": n, "ms_per_point": 1e3 * per, "inside": [bool(v) for v in out], "solver": "CLARABEL",
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    OUT.mkdir(exist_ok=True)
    (OUT / "npa_toqito.json").write_text(json.dumps(res, indent=1))
    print(f"toqito: {1e3 * per:.1f} ms/point over {n} points")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--toqito", type=int, default=0, help="run only the toqito baseline on N points")
    args = ap.parse_args()
    if args.toqito:
        toqito_only(args.toqito)
        return
    n_batch = 1000 if args.quick else 10000
    n_base = 50 if args.quick else 200
    res: dict = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                 "machine": f"{platform.machine()}, shared loaded 2-core CPU, 1 BLAS thread"}
    pts = ns_points(n_batch)
    rows = []
    for level in ("1", "1+AB", "2"):
        n = n_batch if level != "2" else n_batch // 10
        inside, per = batched(pts[:n], level)
        rows.append({"level": level, "what": "contains, uniform in NS", "n": n, "ms_per_point": 1e3 * per,
                     "fraction_inside": float(inside.mean())})
        print("batch", rows[-1], flush=True)
    _, per = batched(pts[:n_batch // 5], "1+AB", "max_scaling")
    rows.append({"level": "1+AB", "what": "max_scaling, directions uniform in NS", "n": n_batch // 5,
                 "ms_per_point": 1e3 * per})
    print("batch", rows[-1], flush=True)
    for eps in (1e-2, 1e-4):
        near, truth = near_boundary(n_batch // 10, "1+AB", eps)
        inside, per = batched(near, "1+AB")
        rows.append({"level": "1+AB", "what": f"contains, (1 +- {eps:g}) lambda* u", "n": len(near),
                     "ms_per_point": 1e3 * per, "agreement_with_labels": float((inside == truth).mean())})
        print("batch", rows[-1], flush=True)
    res["batched"] = rows
    base = pts[:n_base]
    ref, per_b = batched(base, "1+AB")
    fresh, per_f = cvxpy_fresh(base, "1+AB")
    dpp, per_d = cvxpy_dpp(base, "1+AB")
    res["baselines"] = {"n": n_base, "level": "1+AB", "batched_ms": 1e3 * per_b, "cvxpy_fresh_ms": 1e3 * per_f,
                        "cvxpy_dpp_ms": 1e3 * per_d, "fresh_agrees": float((fresh == ref).mean()),
                        "dpp_agrees": float((dpp == ref).mean()),
                        "batched_inside": [bool(v) for v in ref]}
    near, truth = near_boundary(n_base // 2, "1+AB", 1e-3)
    fresh_near, _ = cvxpy_fresh(near, "1+AB")
    ours_near, _ = batched(near, "1+AB")
    res["baselines"].update(near_n=len(near), near_eps=1e-3, near_fresh_agrees=float((fresh_near == ours_near).mean()),
                            near_fresh_matches_labels=float((fresh_near == truth).mean()))
    print("baselines", {k: v for k, v in res["baselines"].items() if k != "batched_inside"}, flush=True)
    res["single_point"] = single_point()
    res["suite"] = suite_table()
    res["i3322"] = i3322_table(("1", "1+AB", "2") if args.quick else ("1", "1+AB", "2", "3"))
    OUT.mkdir(exist_ok=True)
    (OUT / ("npa_bench_quick.json" if args.quick else "npa_bench.json")).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
