"""A fake plugin whose problems mix target kinds and questions (state/steering, behaviour/bell,
behaviour/quantum-set, assemblage/post-quantum), for the bench rendering tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quantcorr import hookimpl
from quantcorr.assemblage import Assemblage
from quantcorr.certifier import Certifier, Options, Result, SteeringTarget
from quantcorr.correlations import Behaviour
from quantcorr.problems import Problem


class ChshCut(Certifier):
    """'local' iff CHSH <= 2, 'quantum' iff CHSH <= 2 sqrt2 (exact for the PR box + noise)."""

    name = "fake-chsh"
    questions = ("bell", "quantum-set")
    rigor = "certified"

    @dataclass
    class Options(Options):
        pass

    def supports(self, target) -> bool:
        return isinstance(target, Behaviour) and target.p.shape == (2, 2, 2, 2)

    def _certify(self, target, options) -> Result:
        e = target.chsh_coordinates()[4:]
        s = max(abs(e.sum() - 2 * e[i]) for i in range(4))  # the best of the eight CHSH forms
        return Result(self.name, "bell", "local" if s <= 2 + 1e-9 else "nonlocal", "certified", value=s)


class NegativityFake(Certifier):
    name = "fake-pq"
    questions = ("post-quantum",)
    rigor = "solver-tolerance"

    @dataclass
    class Options(Options):
        pass

    def supports(self, target) -> bool:
        return isinstance(target, Assemblage)

    def _certify(self, target, options) -> Result:
        return Result(self.name, "post-quantum", "quantum", "solver-tolerance", value=0.0)


class SteerFake(Certifier):
    name = "fake-steer"
    questions = ("steering",)
    rigor = "numerical"

    @dataclass
    class Options(Options):
        pass

    def supports(self, target) -> bool:
        return isinstance(target, SteeringTarget)

    def _certify(self, target, options) -> Result:
        v = target.state.params["v"]
        return Result(self.name, "steering", "unsteerable" if v <= 2 ** -0.5 else "steerable", "numerical", value=v)


@hookimpl
def register_certifiers(register):
    for cls in (ChshCut, NegativityFake, SteerFake):
        register(cls)


def werner_xz_assemblage(v: float = 1.0):
    from quantcorr import werner
    from quantcorr.measurements import measurements_from_spec

    return Assemblage.from_state(werner(v), measurements_from_spec("xz", 2))


@hookimpl
def register_targets(register):
    from quantcorr.registration import NamedTarget

    register(NamedTarget("fake-asm", "assemblage", werner_xz_assemblage, "Werner xz assemblage"))


@hookimpl
def register_problems(register):
    grid = (0.4, 0.6, 0.8)
    register(Problem("m-steer", "werner", "xz", reference=2 ** -0.5, grid=grid, suites=("mixed",)))
    register(Problem("m-bell", behaviour="pr-box", question="bell", reference=0.5, citation="PR box", grid=grid,
                     suites=("mixed",)))
    register(Problem("m-werner-bell", "werner", "xz", question="bell", bob_measurements="bloch:1,0,1;1,0,-1",
                     reference=2 ** -0.5, grid=grid, suites=("mixed",)))
    register(Problem("m-pq", assemblage="fake-asm", question="post-quantum", grid=grid, suites=("mixed",)))
    assert np.isfinite(grid[0])
