"""Named behaviours that ship with the core, registered like any plugin's (`register_targets`)."""

from __future__ import annotations

from typing import Callable

from .hookspecs import hookimpl
from .registration import NamedTarget, TargetParam

VISIBILITY = TargetParam("v", float, 1.0, "visibility: v * target + (1 - v) * white noise")


@hookimpl
def register_targets(register: Callable[[NamedTarget], None]) -> None:
    register(NamedTarget("pr-box", "behaviour", "quantcorr.correlations:pr_box",
                         "Popescu-Rohrlich box, CHSH = 4 (local iff v <= 1/2, quantum iff v <= 1/sqrt2)",
                         (VISIBILITY,), visibility="v"))
    register(NamedTarget("tsirelson", "behaviour", "quantcorr.correlations:tsirelson",
                         "Tsirelson point E = (1, 1, 1, -1)/sqrt2, zero marginals (CHSH = 2 sqrt2)",
                         (VISIBILITY,), visibility="v"))
    register(NamedTarget("white-noise", "behaviour", "quantcorr.correlations:white_noise",
                         "uniform outcomes p(a,b|x,y) = 1/(oA oB)",
                         (TargetParam("settings", tuple, (2, 2), "settings of Alice and Bob, e.g. 2,2"),
                          TargetParam("outcomes", tuple, (2, 2), "outcomes of Alice and Bob, e.g. 2,2"))))
