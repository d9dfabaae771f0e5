"""Conformance checks any certifier (built-in or third-party) can run in its own tests:

    from quantcorr.testing import check_certifier
    check_certifier(MyCertifier, [target1, target2])

Each check raises AssertionError with a message naming the broken part of the contract.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Iterable

from .certifier import QUESTIONS, Certifier, Options, Result, Rigor, Target, Verdict

RESERVED_OPTION_NAMES = {"solver", "state", "param", "params", "measurements", "bob_measurements", "assemblage",
                         "behaviour", "dims", "allow_non_psd", "json", "plot", "help", "threads"}

NEGATIVE_BY_QUESTION = {
    "steering": {Verdict.STEERABLE, Verdict.UNSTEERABLE},
    "bell": {Verdict.LOCAL, Verdict.NONLOCAL},
    "quantum-set": {Verdict.QUANTUM, Verdict.NOT_QUANTUM},
    "post-quantum": {Verdict.QUANTUM, Verdict.POST_QUANTUM},
}


def check_declaration(cls: type[Certifier]) -> None:
    """Name, questions, requirements and an Options dataclass whose fields all have defaults."""
    from .cli.options import option_fields

    assert isinstance(cls, type) and issubclass(cls, Certifier), f"{cls!r} is not a Certifier subclass"
    assert isinstance(cls.name, str) and cls.name and " " not in cls.name, f"{cls.__name__}: bad name {cls.name!r}"
    assert cls.questions and all(q in QUESTIONS for q in cls.questions), \
        f"{cls.name}: questions {cls.questions} not in {QUESTIONS}"
    assert all(isinstance(m, str) for m in cls.requires), f"{cls.name}: requires must be module names"
    assert cls.rigor in {r.value for r in Rigor}, f"{cls.name}: rigor {cls.rigor!r} is not a Rigor value"
    assert dataclasses.is_dataclass(cls.Options) and issubclass(cls.Options, Options), \
        f"{cls.name}: Options must be a dataclass subclass of quantcorr.Options"
    reserved = {f.name for f in dataclasses.fields(cls.Options)} & RESERVED_OPTION_NAMES
    assert not reserved, f"{cls.name}: option name(s) {sorted(reserved)} collide with the target options of " \
                         "certify/threshold (e.g. use sdp_solver, not solver)"
    cls.Options()  # every field needs a default
    option_fields(cls.Options)  # types must be resolvable for the CLI
    ok, why = cls.availability()
    assert isinstance(ok, bool) and isinstance(why, str), f"{cls.name}: availability() must return (bool, str)"


def check_result(cls: type[Certifier], result: Result) -> None:
    """A result is well-formed, claims nothing without a rigor, and survives a JSON round trip."""
    assert isinstance(result, Result), f"{cls.name}: certify returned {type(result).__name__}, not Result"
    assert result.solver == cls.name, f"{cls.name}: result.solver is {result.solver!r}"
    assert result.question in cls.questions, f"{cls.name}: result.question {result.question!r} not declared"
    if result.verdict not in (Verdict.INCONCLUSIVE, Verdict.FAILED):
        allowed = NEGATIVE_BY_QUESTION[result.question]
        assert result.verdict in allowed, f"{cls.name}: verdict {result.verdict.value} does not answer {result.question}"
        assert result.rigor is not None, f"{cls.name}: verdict {result.verdict.value} without a rigor"
    assert result.wall_time_s >= 0, f"{cls.name}: negative wall time"
    data = json.loads(json.dumps(result.to_json()))
    back = Result.from_json(data)
    assert back.to_json() == data, f"{cls.name}: Result JSON round trip changed the result"


def check_certifier(cls: type[Certifier], targets: Iterable[Target], options: Options | None = None) -> list[Result]:
    """Declaration checks, then certify every target and check each result."""
    check_declaration(cls)
    check_option_ranges(cls)
    results = []
    certifier = cls()
    for target in targets:
        assert certifier.supports(target), f"{cls.name}: supports() rejected a target given to the conformance check"
        result = certifier.certify(target, options)
        check_result(cls, result)
        results.append(result)
    return results


def check_declared_targets(name: str) -> None:
    """The target kinds a registered solver declares in its `SolverRef` are exactly those whose
    probe targets (`quantcorr.probes`) its `supports()` accepts."""
    from .plugins import get_registry
    from .probes import probe_targets

    reg = get_registry()
    ref = reg.solver_ref(name)
    if not ref.targets:
        return
    cert = reg.certifier(name)
    taken = {kind for kind, targets in probe_targets().items() if any(cert.supports(t) for t in targets)}
    assert taken == set(ref.targets), f"{name}: declares targets {sorted(ref.targets)}, supports() takes {sorted(taken)}"


def check_option_ranges(cls: type[Certifier]) -> None:
    """Every numeric option declares a range (quantcorr.options.option(..., ge=/gt=/le=/lt=)),
    so impossible values are refused before any work."""
    import typing

    from .options import base_type

    hints = typing.get_type_hints(cls.Options)
    for f in dataclasses.fields(cls.Options):
        tp = base_type(hints[f.name])[0]
        if tp in (int, float):
            assert any(f.metadata.get(k) is not None for k in ("ge", "gt", "le", "lt", "choices")), \
                f"{cls.name}: option --{f.name.replace('_', '-')} declares no valid range"
