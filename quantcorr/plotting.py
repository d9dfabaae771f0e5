"""PNG plots (matplotlib, imported lazily; headless Agg backend)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import SolverUnavailableError

if TYPE_CHECKING:
    from .threshold import ThresholdResult


def pyplot():
    try:
        import matplotlib
    except ImportError:
        raise SolverUnavailableError("plotting needs matplotlib: pip install 'quantcorr[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_threshold(res: "ThresholdResult", path: str, reference: float | None = None) -> None:
    """Plot the numeric column of the evaluated points (loss or value) against v, with the
    estimate, bracket and reference marked."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    cols = [c for c in (res.table[0] if res.table else {}) if c != "v"
            and all(isinstance(r.get(c), (int, float)) and r.get(c) is not None for r in res.table)]
    if cols:
        col = "loss" if "loss" in cols else cols[0]
        pts = sorted((r["v"], r[col]) for r in res.table)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=col)
        ax.set_ylabel(col)
    if res.lower is not None and res.upper is not None:
        ax.axvspan(res.lower, res.upper, color="tab:green", alpha=0.2, label="bracket")
    if res.estimate is not None:
        ax.axvline(res.estimate, color="tab:green", label=f"estimate {res.estimate:.4f}")
    if reference is not None:
        ax.axvline(reference, color="k", ls="--", label=f"reference {reference:.4f}")
    ax.set_xlabel("visibility v")
    ax.set_title(f"{res.solver}: {res.family} | {res.measurements}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
