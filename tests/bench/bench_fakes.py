"""A fake third-party plugin for the bench tests: three small certifiers and one extra problem."""

from __future__ import annotations

import os
from dataclasses import dataclass
from math import sqrt

from quantcorr import hookimpl
from quantcorr.certifier import Certifier, Options, Result, SteeringTarget
from quantcorr.measurements import MeasurementSet
from quantcorr.problems import Problem
from quantcorr.threshold import ThresholdResult

THRESHOLDS = {("xz", 2): 1 / sqrt(2), ("paulis", 2): 1 / sqrt(3), ("cube", 2): 0.55, ("pvm", 2): 0.5,
              ("povm", 2): 0.5, ("mubs", 3): 0.5, ("pvm", 3): 5 / 12, ("povm", 3): 0.35}
EXTRA = Problem("fake-werner-cube", "werner", "cube", reference=None, reference_kind="open",
                grid=(0.5, 0.55, 0.6), suites=("werner",))


def _threshold(target: SteeringTarget) -> float:
    return THRESHOLDS[(target.measurements.name, target.state.dims[0])]


class FakeExact(Certifier):
    """Knows every threshold; counts its certify calls (in this process)."""

    name = "fake-exact"
    questions = ("steering",)
    rigor = "certified"
    calls = 0
    interrupt_at = 0  # raise KeyboardInterrupt at this call (0: never)
    crash_at: float | None = None  # kill the worker process (os._exit) at this visibility

    @dataclass
    class Options(Options):
        budget: int = 100

    @classmethod
    def quick_options(cls) -> "FakeExact.Options":
        return cls.Options(budget=1)

    def supports(self, target) -> bool:
        return isinstance(target, SteeringTarget)

    def _certify(self, target, options) -> Result:
        type(self).calls += 1
        if type(self).calls == type(self).interrupt_at:
            raise KeyboardInterrupt
        t, v = _threshold(target), target.state.params["v"]
        if v == type(self).crash_at:
            os._exit(3)
        verdict = "unsteerable" if v <= t else "steerable"
        return Result(self.name, "steering", verdict, "certified", value=v - t)

    def critical_visibility(self, family, measurements, options=None) -> ThresholdResult:
        t = _threshold(SteeringTarget(family.at(1.0), measurements))
        return ThresholdResult(self.name, family.describe(), measurements.name, t, t - 1e-3, t + 1e-3,
                               "known answer", "certified", "certified")


class FakeRaises(Certifier):
    """Raises inside certify (and so in the default bisection too)."""

    name = "fake-raises"
    questions = ("steering",)

    def supports(self, target) -> bool:
        return isinstance(target, SteeringTarget)

    def _certify(self, target, options) -> Result:
        raise RuntimeError("boom")


class FakeFinite(FakeExact):
    """Like fake-exact, but only for finite measurement sets; its threshold estimate raises."""

    name = "fake-finite"

    def supports(self, target) -> bool:
        return isinstance(target, SteeringTarget) and isinstance(target.measurements, MeasurementSet)

    def critical_visibility(self, family, measurements, options=None) -> ThresholdResult:
        raise ValueError("no threshold here")


class FakeMissing(FakeExact):
    """Needs a module that is not installed."""

    name = "fake-missing"
    requires = ("quantcorr_no_such_module",)


@hookimpl
def register_certifiers(register) -> None:
    for cls in (FakeExact, FakeRaises, FakeFinite, FakeMissing):
        register(cls)


@hookimpl
def register_problems(register) -> None:
    register(EXTRA)
