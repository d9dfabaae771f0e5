"""Threshold scan shared by gradient-lhs and gradient-lhv: train at `points` visibilities evenly
spaced in [v_min, v_max] (ascending; each point warm-starts from the previous model), record
the test losses and verdicts, and read the critical visibility off them with the rule of `fit`.

v_min should lie where the target is classical (Werner v <= 1/3 for steering, isotropic
v <= 1/(d+1)), so that the lowest points measure the noise floor of the method.

Floor rule (opt-in: a task with `floor_factor`, gradient-lhs sets 3; no explicit --tolerance):
a point after the first gets the classical verdict only if its mean test loss is also below
floor_factor x the loss at v_min, i.e. the verdict tolerance is min(session tolerance,
floor_factor x L(v_min)). Why: the relative tolerance resolves v only to tolerance / (slope of
the best classical loss), and for a weakly steerable state the rise is flat (a random two-qubit
state: slope ~0.18 against a product-model loss 0.23, so 1 % of it let v = 0.925 pass, above
the certified polytope-lhs upper end 0.9246, with loss 1.7e-3 = 8x the loss 2.1e-4 at v_min).
Below the threshold the same model kept its loss within about 2x of L(v_min) on every scan of
benchmarks/gradient_lhs.md, so 3x keeps those verdicts. The rule only removes classical
verdicts (never adds one) and does not change training (which uses the session tolerance);
the session's max rule, if any, applies with the session tolerance.

Resumable: with `checkpoint`, finished points (rows and the last model) are kept in
CHECKPOINT.scan.pt and the point in progress in CHECKPOINT itself; `resume` skips what is done.
Without `resume` a scan file that holds finished points is never overwritten (refused).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from quantcorr.errors import InputFileError, ValidationError
from quantcorr.threshold import ThresholdResult

from . import storage
from .fit import MIN_BENT_POINTS, threshold_bracket
from .options import TrainingOptions
from .session import EXACT_PRODUCT, Session

DEFAULT_WINDOW = (0.25, 0.75)  # scan range when neither the options nor the family give one


class ScanTask(Protocol):
    """What a model kind supplies to the scan."""

    solver: str
    classical: str  # the classical verdict: "unsteerable" or "local"
    # optional: floor_factor (float), the floor rule of the module docstring (absent: not applied)
    model_kind: str  # storage kind of saved models: "lhs-model" or "lhv-model"
    session: Session

    def new_model(self) -> Any: ...

    def set_visibility(self, model: Any, v: float) -> None: ...

    def save_model(self, model: Any, path: str | Path, meta: dict[str, Any]) -> Path: ...

    def model_meta(self) -> dict[str, Any]: ...


def scan_window(family: Any, options: TrainingOptions) -> tuple[float, float]:
    """[v_min, v_max]: the options, else the family's window hint, else DEFAULT_WINDOW."""
    hint = getattr(family, "window", None) or DEFAULT_WINDOW
    return (hint[0] if options.v_min is None else options.v_min, hint[1] if options.v_max is None else options.v_max)


def floor_tolerance(task: Any, options: TrainingOptions, rows: list[dict[str, Any]], tol: float) -> float:
    """The verdict tolerance of the next scan point: min(tol, floor_factor x loss at v_min) for a
    task with `floor_factor` and no explicit --tolerance, once v_min is done; else tol."""
    factor = getattr(task, "floor_factor", None)
    if factor is None or options.tolerance is not None or not rows:
        return tol
    return min(tol, factor * rows[0]["loss"])


def _load_scan(path: Path, fingerprint: dict[str, Any]) -> dict[str, Any] | None:
    if not path.exists():
        return None
    _, st = storage.load(path, "scan")
    if st.get("fingerprint") != fingerprint:
        raise InputFileError(f"scan checkpoint {path} belongs to another scan; remove it or use another --checkpoint")
    return st


def _refuse_overwrite(path: Path) -> None:
    """Without --resume, an existing scan file with finished points must not be overwritten."""
    if not path.exists():
        return
    _, st = storage.load(path, "scan")
    n = len(st.get("rows", []))
    if n:
        raise InputFileError(f"{path} holds {n} finished scan point(s); pass --resume to continue that scan, or "
                             "remove the file or choose another --checkpoint")


def scan_threshold(task: ScanTask, family: Any, options: TrainingOptions, describe: str,
                   measurements: str) -> ThresholdResult:
    """Loss scan + fit rule. Table rows: {v, loss, loss_max, loss_product, tolerance, verdict, steps}."""
    o = options
    v_min, v_max = scan_window(family, o)
    if not v_min < v_max:
        raise ValidationError(f"threshold scan needs v_min < v_max (got [{v_min:g}, {v_max:g}])")
    start = time.perf_counter()
    grid = [round(float(v), 10) for v in np.linspace(v_min, v_max, o.points)]
    model = task.new_model()
    fingerprint = {"solver": task.solver, "family": describe, "measurements": measurements, "grid": grid,
                   "options": {k: val for k, val in o.to_dict().items()
                               if k not in ("checkpoint", "resume", "progress", "model", "device", "threads")}}
    scan_path = Path(o.checkpoint + ".scan.pt") if o.checkpoint else None
    if scan_path and not o.resume:
        _refuse_overwrite(scan_path)
    done = _load_scan(scan_path, fingerprint) if (scan_path and o.resume) else None
    rows: list[dict[str, Any]] = done["rows"] if done else []
    rates: list[float] = done["rates"] if done else []
    if done and done["model"] is not None:
        model.load_state_dict(done["model"])
    best_model: dict[str, Any] | None = done["best"] if done else None
    for i, v in enumerate(grid[len(rows):], start=len(rows)):
        if not o.warm_start and i > 0:
            model = task.new_model()
        task.set_visibility(model, v)
        tol, prod = task.session.tolerance(model)
        log = task.session.train(model, o.seed + i, tol, o.checkpoint, o.resume, tag=f"v={v}",
                                 description=f"{task.solver} v={v:.4f}", meta=task.model_meta())
        mean, worst = task.session.evaluate(model)
        classical, _ = task.session.judge(mean, tol, prod, worst)
        tol = floor_tolerance(task, o, rows, tol)
        classical = classical and (mean < tol or prod < EXACT_PRODUCT)
        rates.append(log.steps_per_s)
        rows.append({"v": v, "loss": mean, "loss_max": worst, "loss_product": prod, "tolerance": tol,
                     "verdict": task.classical if classical else "inconclusive", "steps": log.steps_run})
        if classical:
            best_model = {"v": v, "state_dict": {k: t.detach().cpu() for k, t in model.state_dict().items()},
                          "loss": mean, "tolerance": tol}
        if scan_path:
            storage.save(scan_path, "scan", {"fingerprint": fingerprint, "rows": rows, "rates": rates,
                                             "best": best_model,
                                             "model": {k: t.detach().cpu() for k, t in model.state_dict().items()}})
            Path(o.checkpoint).unlink(missing_ok=True)  # the point is finished
    v_arr = np.array([r["v"] for r in rows])
    loss = np.array([r["loss"] for r in rows])
    classical_arr = np.array([r["verdict"] == task.classical for r in rows])
    br = threshold_bracket(v_arr, loss, classical_arr, np.array([r["tolerance"] for r in rows]))
    certificates = {}
    if best_model is not None:
        model.load_state_dict(best_model["state_dict"])
        path = task.save_model(model, o.model or storage.default_model_path(task.solver),
                               {"family": describe, "v": best_model["v"], "measurements": measurements,
                                "loss_mean": best_model["loss"], "tolerance": best_model["tolerance"]})
        certificates[task.model_kind.replace("-", "_")] = {"v": best_model["v"], "path": str(path)}
    method = (f"hinge fit floor + s1*h + s2*h^2, h = max(0, v - v_c), s1, s2 >= 0 (s2 only with >= "
              f"{MIN_BENT_POINTS} points above v_c), to the mean test loss at {len(rows)} visibilities in "
              f"[{v_min:g}, {v_max:g}]; bracket: range of v_c over leave-one-out and >= 3/4 sub-window refits, "
              f"never excluding a visibility with the verdict '{task.classical}'")
    if br.estimate is None:
        method = (f"loss scan at {len(rows)} visibilities in [{v_min:g}, {v_max:g}]: every point got the verdict "
                  f"'{task.classical}', so no fit")
    backed = [r["v"] for r in rows if r["verdict"] == task.classical]
    quantities = {**({"warning": br.warning} if br.warning else {}), **br.fit,
                  f"largest_{task.classical}_v": max(backed) if backed else None,
                  "steps_per_s": round(float(np.mean(rates)), 1), "steps_total": int(sum(r["steps"] for r in rows)),
                  "device": str(task.session.device), "budget": task.session.budget.__dict__}
    return ThresholdResult(task.solver, describe, measurements, br.estimate, br.lower, br.upper, method,
                           lower_rigor=br.lower_rigor, upper_rigor=None, table=rows, certificates=certificates,
                           quantities=quantities, wall_time_s=time.perf_counter() - start, message=br.message)
