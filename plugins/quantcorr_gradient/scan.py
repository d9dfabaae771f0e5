"""Critical visibility from a scan of the trained loss versus the visibility.

Rule (objective, no tuning by eye). The model is trained at `points` visibilities evenly spaced
in [v_min, v_max] (ascending; each point warm-starts from the previous model). v_min should lie
where the state is separable (Werner v <= 1/3, isotropic v <= 1/(d+1)), so that the lowest
points measure the noise floor of the method. The mean test losses L(v) are fitted by least
squares with a hinge
    L(v) = floor + slope * max(0, v - v_c)
(for each v_c on a fine grid, floor and slope follow by linear least squares; the v_c with the
least squared error wins). Below the threshold an LHS model exists and the loss stays at the
floor; above it the loss of the best LHS approximation grows about linearly. The estimate is
v_c; the bracket [lower, upper] is the range of v_c over the leave-one-out (jackknife) refits,
widened to at least the grid points' spacing / 10. The lower end is "numerical" evidence (the
loss is at the floor there); the upper end has no rigor (a trained model cannot prove steering).

Resumable: with `checkpoint`, finished points (rows and the last model) are kept in
CHECKPOINT.scan.pt and the point in progress in CHECKPOINT itself; `resume` skips what is done.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from quantcorr.errors import InputFileError, ValidationError
from quantcorr.measurements import MeasurementSet, MeasurementSpace
from quantcorr.threshold import ThresholdResult, VisibilityFamily

if TYPE_CHECKING:
    from .certifier import GradientOptions

FIT_GRID = 4001  # candidate kinks in [v_min, v_max]


def hinge_fit(v: np.ndarray, loss: np.ndarray) -> tuple[float, float, float, float]:
    """Least-squares fit of floor + slope*max(0, v - v_c): (v_c, floor, slope, rms residual)."""
    best = (np.inf, 0.0, 0.0, 0.0)
    for vc in np.linspace(v.min(), v.max(), FIT_GRID):
        design = np.stack([np.ones_like(v), np.maximum(0.0, v - vc)], axis=1)
        coef, *_ = np.linalg.lstsq(design, loss, rcond=None)
        sse = float(((design @ coef - loss) ** 2).sum())
        if sse < best[0]:
            best = (sse, vc, coef[0], coef[1])
    sse, vc, floor, slope = best
    return float(vc), float(floor), float(slope), float(np.sqrt(sse / len(v)))


def kink_estimate(v: np.ndarray, loss: np.ndarray) -> tuple[float, float, float, dict[str, float]]:
    """(estimate, lower, upper, fit quantities) by the hinge fit and its jackknife."""
    vc, floor, slope, rms = hinge_fit(v, loss)
    loo = [hinge_fit(np.delete(v, i), np.delete(loss, i))[0] for i in range(len(v))] if len(v) > 3 else [vc]
    pad = (v.max() - v.min()) / max(len(v) - 1, 1) / 10
    lower, upper = min(min(loo), vc - pad), max(max(loo), vc + pad)
    return vc, lower, upper, {"floor": floor, "slope": slope, "fit_rms": rms}


def _load_scan(path: Path, fingerprint: dict[str, Any]) -> dict[str, Any] | None:
    import torch

    if not path.is_file():
        return None
    try:
        st = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError) as exc:
        raise InputFileError(f"cannot read scan checkpoint {path}: {exc}") from None
    if st.get("fingerprint") != fingerprint:
        raise InputFileError(f"scan checkpoint {path} belongs to another scan; remove it or use another --checkpoint")
    return st


def _save_scan(path: Path, state: dict[str, Any]) -> None:
    import torch

    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def scan_threshold(solver: str, family: VisibilityFamily, measurements: MeasurementSet | MeasurementSpace,
                   options: "GradientOptions") -> ThresholdResult:
    """Loss scan + hinge fit (module docstring). Returns a ThresholdResult whose table rows are
    {v, loss, loss_max, verdict, steps}."""
    from .certifier import Session, default_model_path
    from .model import save_model

    o = options
    if not (0.0 <= o.v_min < o.v_max <= 1.0) or o.points < 3:
        raise ValidationError("threshold scan needs 0 <= v_min < v_max <= 1 and points >= 3")
    start = time.perf_counter()
    grid = [round(float(v), 10) for v in np.linspace(o.v_min, o.v_max, o.points)]
    session = Session(measurements, family.base.dims[-1], o)
    model = session.new_model()
    fingerprint = {"family": family.describe(), "measurements": measurements.name, "grid": grid,
                   "options": {k: val for k, val in o.to_dict().items()
                               if k not in ("checkpoint", "resume", "progress", "model", "device", "threads")}}
    scan_path = Path(o.checkpoint + ".scan.pt") if o.checkpoint else None
    done = _load_scan(scan_path, fingerprint) if (scan_path and o.resume) else None
    rows: list[dict[str, Any]] = done["rows"] if done else []
    rates: list[float] = done["rates"] if done else []
    if done and done["model"] is not None:
        model.load_state_dict(done["model"])
    best_model: dict[str, Any] | None = done["best"] if done else None
    for i, v in enumerate(grid[len(rows):], start=len(rows)):
        if not o.warm_start and i > 0:
            model = session.new_model()
        log, mean, worst = session.train(model, family.at(v), o.checkpoint, o.resume, o.seed + i,
                                         tag=f"v={v}", description=f"gradient-lhs v={v:.4f}")
        rates.append(log.steps_per_s)
        verdict = "unsteerable" if mean < o.tolerance else "inconclusive"
        rows.append({"v": v, "loss": mean, "loss_max": worst, "verdict": verdict, "steps": log.steps_run})
        if verdict == "unsteerable":
            best_model = {"v": v, "state_dict": {k: t.detach().cpu() for k, t in model.state_dict().items()},
                          "loss": mean}
        if scan_path:
            _save_scan(scan_path, {"fingerprint": fingerprint, "rows": rows, "rates": rates, "best": best_model,
                                   "model": {k: t.detach().cpu() for k, t in model.state_dict().items()}})
            Path(o.checkpoint).unlink(missing_ok=True)  # the point is finished
    v_arr = np.array([r["v"] for r in rows])
    loss = np.array([r["loss"] for r in rows])
    est, lower, upper, fit = kink_estimate(v_arr, loss)
    certificates = {}
    if best_model is not None:
        model.load_state_dict(best_model["state_dict"])
        path = save_model(model, o.model or default_model_path(),
                          {"state": family.describe(), "v": best_model["v"], "measurements": measurements.name,
                           "loss_mean": best_model["loss"], "tolerance": o.tolerance})
        certificates["lhs_model"] = {"v": best_model["v"], "path": str(path)}
    method = (f"hinge fit floor + slope*max(0, v - v_c) to the mean test loss at {len(rows)} visibilities in "
              f"[{o.v_min:g}, {o.v_max:g}]; bracket: leave-one-out range of v_c")
    quantities = {**fit, "steps_per_s": round(float(np.mean(rates)), 1),
                  "steps_total": int(sum(r["steps"] for r in rows)), "device": str(session.device)}
    return ThresholdResult(solver, family.describe(), measurements.name, est, lower, upper, method,
                           lower_rigor="numerical", upper_rigor=None, table=rows, certificates=certificates,
                           quantities=quantities, wall_time_s=time.perf_counter() - start)
