"""Critical visibility from a scan of the trained loss versus the visibility.

Rule (objective, no tuning by eye). The model is trained at `points` visibilities evenly spaced
in [v_min, v_max] (ascending; each point warm-starts from the previous model). v_min should lie
where the state is separable (Werner v <= 1/3, isotropic v <= 1/(d+1)), so that the lowest
points measure the noise floor of the method. The mean test losses L(v) are fitted by least
squares with a hinge that may bend upwards:
    L(v) = floor + s1 * h + s2 * h^2,   h = max(0, v - v_c),   s1, s2 >= 0
(for each v_c on a fine grid, floor, s1 and s2 follow by non-negative least squares; the v_c
with the least squared error wins). Below the threshold an LHS model exists and the loss stays
at the floor; above it the loss of the best LHS approximation rises. For PVMs it rises linearly
(s2 = 0 fits: (v - 1/2)/2 for Werner states); averaged over random POVMs it rises convexly,
because ever more of the sampled POVMs reveal steering as v grows. A straight hinge fitted to
a convex rise moves v_c with the window (Werner POVMs: 0.520 on [0.25, 0.75], 0.504 on
[0.3, 0.6]); the s2 term removes most of that (0.495 and 0.490). The estimate is v_c.
The bracket [lower, upper] is the range of v_c over two families of refits: leave one
point out (jackknife), and every contiguous sub-window holding at least 3/4 of the points (when
the loss bends smoothly instead of kinking, as for POVMs, the hinge depends on the window and
this shows it); it is widened to at least the grid spacing / 10 on each side.

Rigor of the ends. An LHS model at v' is one at every v <= v' (mix with the unsteerable white
noise), so the lower end is "numerical" evidence only when some scanned v >= lower got the
verdict "unsteerable" (mean test loss below the tolerance); otherwise it is a fit prediction
(no rigor). The upper end never has rigor: a trained model cannot prove steering.

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
MIN_BENT_POINTS = 3  # points above the kink needed before the rise may bend (h^2 term)
DEFAULT_WINDOW = (0.25, 0.75)  # scan range when neither the options nor the family give one


def _fit_terms(h: np.ndarray, loss: np.ndarray, terms: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Least squares of the loss on [1, h^p for p in terms] for every candidate (rows of h):
    (coefficients (K, 1 + len(terms)), sse (K,)); rank-deficient designs get the pseudo-inverse."""
    x = np.stack([np.ones_like(h)] + [h**p for p in terms], axis=-1)  # (K, n, q)
    coef = np.einsum("kqn,n->kq", np.linalg.pinv(x), loss)
    sse = ((np.einsum("knq,kq->kn", x, coef) - loss) ** 2).sum(1)
    return coef, sse


def hinge_fit(v: np.ndarray, loss: np.ndarray) -> tuple[float, float, float, float, float]:
    """Least-squares fit of floor + s1*h + s2*h^2, h = max(0, v - v_c), with s1, s2 >= 0:
    (v_c, floor, s1, s2, rms residual). All candidate v_c at once; for each, the non-negative
    least squares in (s1, s2) is the best feasible fit among both terms, s1 only and s2 only.
    The h^2 term is allowed only where at least `MIN_BENT_POINTS` points lie above v_c: with
    fewer, h and h^2 cannot be told apart and the bend would drag v_c down."""
    vc = np.linspace(v.min(), v.max(), FIT_GRID)
    h = np.maximum(0.0, v[None, :] - vc[:, None])
    bendable = (h > 0).sum(1) >= MIN_BENT_POINTS
    best_sse = np.full(len(vc), np.inf)
    best = np.zeros((len(vc), 3))
    for terms in ((1,), (1, 2), (2,)):
        coef, sse = _fit_terms(h, loss, terms)
        ok = (coef[:, 1:] >= 0).all(1) & (sse < best_sse - 1e-18) & (bendable | (2 not in terms))
        full = np.zeros((len(vc), 3))
        full[:, 0] = coef[:, 0]
        for j, p in enumerate(terms, start=1):
            full[:, p] = coef[:, j]
        best[ok], best_sse[ok] = full[ok], sse[ok]
    i = int(np.argmin(best_sse))  # the first of equal minima
    return float(vc[i]), float(best[i, 0]), float(best[i, 1]), float(best[i, 2]), float(np.sqrt(best_sse[i] / len(v)))


MIN_FIT_POINTS = 4  # a refit (jackknife or sub-window) needs this many points
SUB_WINDOW = 0.75  # sub-windows hold at least this fraction of the points


def refit_estimates(v: np.ndarray, loss: np.ndarray) -> list[float]:
    """v_c of the leave-one-out refits and of every contiguous sub-window of >= 3/4 of the points."""
    n = len(v)
    if n <= MIN_FIT_POINTS:
        return []
    out = [hinge_fit(np.delete(v, i), np.delete(loss, i))[0] for i in range(n)]
    m = max(MIN_FIT_POINTS, int(np.ceil(SUB_WINDOW * n)))
    out += [hinge_fit(v[i:j], loss[i:j])[0] for i in range(n - m + 1) for j in range(i + m, n + 1) if j - i < n]
    return out


def kink_estimate(v: np.ndarray, loss: np.ndarray) -> tuple[float, float, float, dict[str, float]]:
    """(estimate, lower, upper, fit quantities) by the hinge fit and its refits (module docstring)."""
    vc, floor, slope, curvature, rms = hinge_fit(v, loss)
    refits = refit_estimates(v, loss) + [vc]
    pad = (v.max() - v.min()) / max(len(v) - 1, 1) / 10
    lower, upper = min(min(refits), vc - pad), max(max(refits), vc + pad)
    return vc, lower, upper, {"floor": floor, "slope": slope, "curvature": curvature, "fit_rms": rms}


def window_check(unsteerable: list[float], grid: list[float], estimate: float, lower: float,
                 upper: float) -> tuple[float, float, str | None]:
    """(lower, upper, warning): when the window misses the threshold, say why and widen the bracket
    to what the scan can still claim."""
    if not unsteerable:
        return 0.0, max(upper, max(grid)), ("no visibility reached the tolerance: the threshold lies below "
                                            "v_min, or the model is too small; the fitted kink is not a threshold")
    if max(unsteerable) >= max(grid):
        return lower, 1.0, "every visibility is unsteerable up to v_max: the threshold lies above the window"
    if sum(v > estimate for v in grid) < 2:
        return lower, max(upper, max(grid)), ("fewer than two visibilities above the fitted kink, so the rise is "
                                              "not resolved: raise v_max")
    return lower, upper, None


def scan_window(family: VisibilityFamily, options: "GradientOptions") -> tuple[float, float]:
    """[v_min, v_max]: the options, else the family's window hint, else DEFAULT_WINDOW."""
    hint = family.window or DEFAULT_WINDOW
    return (hint[0] if options.v_min is None else options.v_min, hint[1] if options.v_max is None else options.v_max)


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
    v_min, v_max = scan_window(family, o)
    if not (0.0 <= v_min < v_max <= 1.0) or o.points < 3:
        raise ValidationError(f"threshold scan needs 0 <= v_min < v_max <= 1 and points >= 3 (got [{v_min:g}, "
                              f"{v_max:g}], {o.points} points)")
    start = time.perf_counter()
    grid = [round(float(v), 10) for v in np.linspace(v_min, v_max, o.points)]
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
    backed = [r["v"] for r in rows if r["verdict"] == "unsteerable"]
    lower_rigor = "numerical" if backed and max(backed) >= lower else None
    lower, upper, warning = window_check(backed, grid, est, lower, upper)
    certificates = {}
    if best_model is not None:
        model.load_state_dict(best_model["state_dict"])
        path = save_model(model, o.model or default_model_path(),
                          {"state": family.describe(), "v": best_model["v"], "measurements": measurements.name,
                           "loss_mean": best_model["loss"], "tolerance": o.tolerance})
        certificates["lhs_model"] = {"v": best_model["v"], "path": str(path)}
    method = (f"hinge fit floor + s1*h + s2*h^2, h = max(0, v - v_c), s1, s2 >= 0 (s2 only with >= "
              f"{MIN_BENT_POINTS} points above v_c), to the mean test loss at {len(rows)} visibilities in "
              f"[{v_min:g}, {v_max:g}]; bracket: range of v_c over leave-one-out and >= 3/4 sub-window refits")
    quantities = {**({"warning": warning} if warning else {}), **fit,
                  "largest_unsteerable_v": max(backed) if backed else None,
                  "steps_per_s": round(float(np.mean(rates)), 1), "steps_total": int(sum(r["steps"] for r in rows)),
                  "device": str(session.device)}
    return ThresholdResult(solver, family.describe(), measurements.name, est, lower, upper, method,
                           lower_rigor=lower_rigor, upper_rigor=None, table=rows, certificates=certificates,
                           quantities=quantities, wall_time_s=time.perf_counter() - start)
