"""Plugin manager: loads entry points of the group `quantcorr` with per-plugin error isolation.

A plugin that fails to import or whose hook raises is recorded (shown by `quantcorr plugins`)
and skipped with one warning; `QUANTCORR_STRICT_PLUGINS=1` turns that into a `PluginError`.
A solver or problem name registered twice is rejected with an error naming both plugins; the
first registration (built-in plugins load first, then the others by name) is kept.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import hookspecs
from .certifier import QUESTIONS, Certifier
from .errors import PluginError, UnknownNameError

GROUP = "quantcorr"
CORE = "quantcorr"


class PluginWarning(UserWarning):
    """A plugin failed to load or register and was skipped."""


@dataclass
class PluginInfo:
    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    certifiers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"name": self.name, "module": self.module, "distribution": self.distribution,
                "version": self.version, "certifiers": self.certifiers, "problems": self.problems,
                "errors": self.errors, "loaded": not self.errors}


def _strict() -> bool:
    return os.environ.get("QUANTCORR_STRICT_PLUGINS", "") not in ("", "0", "false", "no")


def _entry_points() -> list[EntryPoint]:
    eps = list(entry_points(group=GROUP))
    # built-in plugins (shipped in the quantcorr distribution) first, then by name
    return sorted(eps, key=lambda ep: (getattr(ep.dist, "name", None) != CORE, ep.name))


class Registry:
    """Certifiers, problems and plugins known to this process."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.certifiers: dict[str, type[Certifier]] = {}
        self.problems: dict[str, Any] = {}
        self._owner: dict[tuple[str, str], str] = {}
        from . import problems as core_problems

        self._add_plugin(core_problems, PluginInfo("core", core_problems.__name__, CORE, _dist_version(CORE)))
        for ep in _entry_points():
            info = PluginInfo(ep.name, ep.value, getattr(ep.dist, "name", None),
                              getattr(ep.dist, "version", None))
            try:
                module = ep.load()
            except Exception as exc:  # any import-time failure of a third-party plugin
                self.plugins[ep.name] = info
                self._fail(info, f"import failed: {type(exc).__name__}: {exc}")
                continue
            self._add_plugin(module, info)
        self._call("register_certifiers", self._register_certifier)
        self._call("register_problems", self._register_problem)

    def _add_plugin(self, module: Any, info: PluginInfo) -> None:
        self.plugins[info.name] = info
        try:
            self.pm.register(module, name=info.name)
        except Exception as exc:  # e.g. a hookimpl with an unknown name or signature
            self._fail(info, f"registration failed: {type(exc).__name__}: {exc}")

    def _fail(self, info: PluginInfo, message: str) -> None:
        info.errors.append(message)
        text = f"quantcorr plugin '{info.name}' ({info.module}) skipped: {message}"
        if _strict():
            raise PluginError(text)
        warnings.warn(text, PluginWarning, stacklevel=3)

    def _call(self, hook: str, register_one) -> None:
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            info = self.plugins[impl.plugin_name]
            try:
                impl.function(register=lambda obj, _info=info: register_one(obj, _info))
            except PluginError as exc:
                self._fail(info, str(exc))
            except Exception as exc:
                self._fail(info, f"hook {hook} raised {type(exc).__name__}: {exc}")

    def call_register_commands(self, cli: Any) -> None:
        for impl in self.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=cli)
            except Exception as exc:
                self._fail(self.plugins[impl.plugin_name], f"hook register_commands raised {type(exc).__name__}: {exc}")

    def _claim(self, kind: str, name: str, info: PluginInfo) -> None:
        owner = self._owner.get((kind, name))
        if owner is not None:
            raise PluginError(f"duplicate {kind} name '{name}': registered by plugin '{owner}' and by plugin '{info.name}'")
        self._owner[(kind, name)] = info.name

    def _register_certifier(self, cls: Any, info: PluginInfo) -> None:
        if not (isinstance(cls, type) and issubclass(cls, Certifier)):
            raise PluginError(f"register_certifiers got {cls!r}, not a Certifier subclass")
        name = getattr(cls, "name", None)
        bad_q = [q for q in getattr(cls, "questions", ()) if q not in QUESTIONS]
        if not isinstance(name, str) or not name or not cls.questions or bad_q:
            raise PluginError(f"certifier {cls.__name__} needs a name and questions from {QUESTIONS}")
        self._claim("solver", name, info)
        self.certifiers[name] = cls
        info.certifiers.append(name)

    def _register_problem(self, problem: Any, info: PluginInfo) -> None:
        self._claim("problem", problem.name, info)
        self.problems[problem.name] = problem
        info.problems.append(problem.name)

    def plugin_of(self, kind: str, name: str) -> str | None:
        return self._owner.get((kind, name))

    def certifier(self, name: str) -> Certifier:
        if name not in self.certifiers:
            raise UnknownNameError(f"unknown solver '{name}'; available: {', '.join(sorted(self.certifiers)) or 'none'}")
        return self.certifiers[name]()

    def problem(self, name: str) -> Any:
        if name not in self.problems:
            raise UnknownNameError(f"unknown problem '{name}'; known: {', '.join(sorted(self.problems))}")
        return self.problems[name]


def _dist_version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


_REGISTRY: Registry | None = None


def get_registry(reload: bool = False) -> Registry:
    """The process-wide registry, built on first use (`reload=True` rebuilds it)."""
    global _REGISTRY
    if _REGISTRY is None or reload:
        _REGISTRY = None
        _REGISTRY = Registry()
    return _REGISTRY
