"""What to certify, as the user wrote it: exactly one of a state (with measurements for the
black-box parties, and optionally Bob's for a Bell behaviour), an assemblage, or a behaviour.

`TargetSpec` is shared by the CLI (`certify`, `threshold`), bench problems and saved results:
`target()` builds the target of one certify call, `family()` the visibility family of a
threshold, `to_json()` records how to rebuild it (`target_spec` in result JSON, with the SHA-256
of every input file).

Target kinds and their noise (docs/concepts.md):
- state + measurements: a `SteeringTarget`; every subsystem but the last is a black-box party
  (`--measurements 'xz|paulis'` gives one set per party). Noise: the state mixes with I/D.
- state + measurements + bob-measurements: the `Behaviour` p(a,b|x,y) of a two-party state.
  Noise: the behaviour of I/D (linear in the state, so the threshold is the state family's).
- assemblage: noise I_dB / (dB o1..on) per element. behaviour: uniform outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fileio import is_file
from .errors import DimensionError, ValidationError

if TYPE_CHECKING:
    from .problems import Problem
    from .threshold import Family

KINDS = ("state", "assemblage", "behaviour")


@dataclass(frozen=True)
class TargetSpec:
    """One target as given on the command line; `params` are strings or numbers."""

    state: str | None = None
    measurements: str | None = None
    bob_measurements: str | None = None
    assemblage: str | None = None
    behaviour: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    dims: tuple[int, ...] | None = None
    allow_non_psd: bool = False

    def __post_init__(self) -> None:
        given = [k for k in KINDS if getattr(self, k)]
        if len(given) != 1:
            flags = ", ".join(f"--{k}" for k in given) if given else "none"
            raise ValidationError(f"give exactly one target: --state (with --measurements), --assemblage or "
                                  f"--behaviour (got {flags})")
        if self.state and not self.measurements:
            raise ValidationError("--state needs --measurements (the black-box parties' measurements)")
        if not self.state:
            extra = [f for f, v in (("--measurements", self.measurements), ("--bob-measurements", self.bob_measurements),
                                    ("--dims", self.dims)) if v]
            if extra:
                raise ValidationError(f"{', '.join(extra)} only go with --state, not with --{given[0]}")
        if self.allow_non_psd and not self.assemblage:
            raise ValidationError("--allow-non-psd applies to --assemblage inputs only")

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k))

    @classmethod
    def from_problem(cls, problem: "Problem") -> "TargetSpec":
        return cls(problem.state or None, problem.measurements or None, problem.bob_measurements,
                   problem.assemblage, problem.behaviour, dict(problem.params))

    # ---------------------------------------------------------------- building
    def _state(self, for_family: bool = False):
        from .states import state_from_spec, takes_visibility

        params = dict(self.params)
        if for_family:
            params.pop("v", None)
            if takes_visibility(self.state):
                params["v"] = 1.0
        return state_from_spec(self.state, params, self.dims)

    def _measurements(self, state) -> Any:
        """One family for every black-box party, or a tuple of sets for 'spec1|spec2|...'."""
        from .measurements import MeasurementSet, measurements_from_spec

        n = state.n_parties - 1
        if n < 1:
            raise DimensionError(f"state '{self.state}' has one subsystem: nobody to steer or measure")
        parts = [p.strip() for p in self.measurements.split("|")]
        if len(parts) == 1:
            return measurements_from_spec(parts[0], state.dims[0]) if len(set(state.dims[:-1])) == 1 else \
                tuple(measurements_from_spec(parts[0], d) for d in state.dims[:-1])
        if len(parts) != n:
            raise DimensionError(f"--measurements gives {len(parts)} sets separated by '|' but the state has "
                                 f"{n} black-box part{'y' if n == 1 else 'ies'}")
        sets = tuple(measurements_from_spec(p, d) for p, d in zip(parts, state.dims[:-1]))
        if not all(isinstance(s, MeasurementSet) for s in sets):
            raise ValidationError("per-party measurements ('a|b') must be finite sets, not pvm/povm")
        return sets

    def _bell_sets(self, state) -> tuple[Any, Any]:
        from .measurements import MeasurementSet, measurements_from_spec

        if state.n_parties != 2:
            raise DimensionError(f"--bob-measurements needs a two-party state, got {state.n_parties} subsystems")
        alice = measurements_from_spec(self.measurements, state.dims[0])
        bob = measurements_from_spec(self.bob_measurements, state.dims[1])
        if not (isinstance(alice, MeasurementSet) and isinstance(bob, MeasurementSet)):
            raise ValidationError("a Bell behaviour needs finite measurement sets on both sides (not pvm/povm)")
        return alice, bob

    def target(self) -> Any:
        """The target of one certify call."""
        if self.kind == "assemblage":
            from .targets import assemblage_from_spec

            asm = assemblage_from_spec(self.assemblage, self.params, not self.allow_non_psd)
            if not self.allow_non_psd and not asm.require_psd:
                low = asm.min_eigenvalue()
                if low < -1e-7:
                    from .errors import NotPSDError

                    raise NotPSDError(f"assemblage '{self.assemblage}' has an element with a negative eigenvalue "
                                      f"({low:.3g}), a pseudo-assemblage: pass --allow-non-psd, with a solver that "
                                      "studies them (e.g. almost-quantum)")
            return asm
        if self.kind == "behaviour":
            from .targets import behaviour_from_spec

            return behaviour_from_spec(self.behaviour, self.params)
        state = self._state()
        if self.bob_measurements:
            from .correlations import Behaviour

            return Behaviour.from_state(state, *self._bell_sets(state))
        from .certifier import SteeringTarget

        return SteeringTarget(state, self._measurements(state))

    def family(self, window: tuple[float, float] | None = None) -> tuple["Family", Any]:
        """(family, measurements) for `Certifier.critical_visibility`: the target at full
        visibility (a `v` parameter is set to 1) mixed with its kind's noise."""
        from .threshold import TargetFamily, VisibilityFamily

        if self.kind == "state":
            base = self._state(for_family=True)
            states = VisibilityFamily(base, window=window)
            if self.bob_measurements:
                from .correlations import Behaviour

                alice, bob = self._bell_sets(base)
                return TargetFamily(Behaviour.from_state(base, alice, bob),
                                    Behaviour.from_state(states.at(0.0), alice, bob),
                                    name=f"{states.describe()} | {alice.name} / {bob.name}", window=window), None
            return states, self._measurements(base)
        name = self.assemblage or self.behaviour
        params = dict(self.params)
        if not Path(name).suffix and not name.startswith("chsh:"):
            from .targets import named

            vis = named(self.kind, name).visibility
            if vis:
                params[vis] = 1.0
        base = TargetSpec(assemblage=self.assemblage, behaviour=self.behaviour, params=params,
                          allow_non_psd=self.allow_non_psd).target()
        label = name if not params else f"{name}({', '.join(f'{k}={v}' for k, v in params.items())})"
        return TargetFamily(base, name=label, window=window), None

    # ---------------------------------------------------------------- recording
    def to_json(self) -> dict[str, Any]:
        """The arguments that rebuild this target; input files also get their SHA-256."""
        from .targets import file_sha256

        out: dict[str, Any] = {"kind": self.kind}
        for key in ("state", "measurements", "bob_measurements", "assemblage", "behaviour"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.params:
            out["params"] = {k: v for k, v in self.params.items()}
        if self.dims:
            out["dims"] = list(self.dims)
        if self.allow_non_psd:
            out["allow_non_psd"] = True
        hashes = {}
        for spec in self.input_files():
            hashes[spec] = file_sha256(spec)
        if hashes:
            out["sha256"] = hashes
        return out

    def input_files(self) -> list[str]:
        """Paths of the files this target reads (state, POVM, assemblage, behaviour, parameters)."""
        candidates = [self.state, self.assemblage, self.behaviour, *(str(v) for v in self.params.values())]
        for meas in (self.measurements, self.bob_measurements):
            candidates += (meas or "").split("|")
        return [c.strip() for c in candidates if c and is_file(c.strip())]

