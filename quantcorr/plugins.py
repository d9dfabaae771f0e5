"""Plugin manager: loads entry points of the group `quantcorr` with per-plugin error isolation.

A plugin that fails to import (an exception or `sys.exit`), or whose hook raises, is recorded
(shown by `quantcorr plugins`) and skipped with one warning; `QUANTCORR_STRICT_PLUGINS=1` turns
that into a `PluginError`. A solver, problem or named-target name registered twice, or a command
name that is already taken, is refused with a message naming both plugins; the first
registration (the core, then built-in plugins, then the others by name) is kept.

Solvers are registered as light `SolverRef` descriptors and imported on first use, so building
the registry imports no numerical code (`quantcorr --help` stays fast).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError, UnknownNameError
from .registration import TARGET_KINDS, NamedTarget, SolverRef

GROUP = "quantcorr"
CORE = "quantcorr"
CORE_MODULES = ("quantcorr.problems", "quantcorr.builtin_targets")


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
    targets: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"name": self.name, "module": self.module, "distribution": self.distribution,
                "version": self.version, "certifiers": self.certifiers, "problems": self.problems,
                "targets": self.targets, "commands": self.commands, "errors": self.errors,
                "loaded": not self.errors}


def _strict() -> bool:
    return os.environ.get("QUANTCORR_STRICT_PLUGINS", "") not in ("", "0", "false", "no")


def _entry_points() -> list[EntryPoint]:
    eps = list(entry_points(group=GROUP))
    # built-in plugins (shipped in the quantcorr distribution) first, then by name
    return sorted(eps, key=lambda ep: (getattr(ep.dist, "name", None) != CORE, ep.name))


def _ref_of_class(cls: Any) -> SolverRef:
    """A descriptor for a Certifier class registered directly (imported with its plugin)."""
    from .certifier import Certifier

    if not (isinstance(cls, type) and issubclass(cls, Certifier)):
        raise PluginError(f"register_certifiers got {cls!r}, not a SolverRef or a Certifier subclass")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginError(f"certifier {cls.__name__} needs a name")
    return SolverRef(name, f"{cls.__module__}:{cls.__qualname__}", tuple(cls.questions), cls.rigor or "numerical",
                     cls.description, tuple(cls.requires))


class Registry:
    """Certifiers (as descriptors), problems, named targets and plugins known to this process."""

    def __init__(self) -> None:
        import importlib

        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.certifiers: dict[str, SolverRef] = {}
        self.problems: dict[str, Any] = {}
        self.targets: dict[str, dict[str, NamedTarget]] = {k: {} for k in TARGET_KINDS}
        self._classes: dict[str, type] = {}
        self._owner: dict[tuple[str, str], str] = {}
        self._info_of: dict[str, PluginInfo] = {}  # pluggy registration name -> plugin
        core = PluginInfo("core", ", ".join(CORE_MODULES), CORE, _dist_version(CORE))
        self.plugins["core"] = core
        for mod in CORE_MODULES:
            self._add_module(importlib.import_module(mod), core, f"core:{mod}")
        for ep in _entry_points():
            info = PluginInfo(ep.name, ep.value, getattr(ep.dist, "name", None),
                              getattr(ep.dist, "version", None))
            self.plugins[ep.name] = info
            try:
                module = ep.load()
            except (Exception, SystemExit) as exc:  # any import-time failure of a plugin, sys.exit included
                self._fail(info, f"import failed: {type(exc).__name__}: {exc}")
                continue
            self._add_module(module, info, ep.name)
        self._call("register_certifiers", self._register_certifier)
        self._call("register_problems", self._register_problem)
        self._call("register_targets", self._register_target)

    def _add_module(self, module: Any, info: PluginInfo, name: str) -> None:
        self._info_of[name] = info
        try:
            self.pm.register(module, name=name)
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
            info = self._info_of[impl.plugin_name]
            try:
                impl.function(register=lambda obj, _info=info: register_one(obj, _info))
            except PluginError as exc:
                self._fail(info, str(exc))
            except (Exception, SystemExit) as exc:
                self._fail(info, f"hook {hook} raised {type(exc).__name__}: {exc}")

    def call_register_commands(self, cli: Any) -> None:
        """Let plugins add commands; a command name already taken is refused (the first stays)."""
        for impl in self.pm.hook.register_commands.get_hookimpls():
            info = self._info_of[impl.plugin_name]
            before = dict(cli.commands)
            try:
                impl.function(cli=cli)
            except (Exception, SystemExit) as exc:
                self._fail(info, f"hook register_commands raised {type(exc).__name__}: {exc}")
            for name, cmd in list(cli.commands.items()):
                if name in before and cmd is before[name]:
                    continue
                owner = self._owner.get(("command", name)) or ("core" if name in before else None)
                if owner is not None:
                    if name in before:
                        cli.commands[name] = before[name]
                    else:
                        del cli.commands[name]
                    warnings.warn(f"quantcorr plugin '{info.name}' tried to add command '{name}', which plugin "
                                  f"'{owner}' already provides: refused", PluginWarning, stacklevel=2)
                    continue
                self._owner[("command", name)] = info.name
                info.commands.append(name)

    def _claim(self, kind: str, name: str, info: PluginInfo) -> None:
        owner = self._owner.get((kind, name))
        if owner is not None:
            raise PluginError(f"duplicate {kind} name '{name}': registered by plugin '{owner}' and by plugin '{info.name}'")
        self._owner[(kind, name)] = info.name

    def _register_certifier(self, obj: Any, info: PluginInfo) -> None:
        ref = obj if isinstance(obj, SolverRef) else _ref_of_class(obj)
        self._claim("solver", ref.name, info)
        self.certifiers[ref.name] = ref
        if not isinstance(obj, SolverRef):
            self._classes[ref.name] = obj
        info.certifiers.append(ref.name)

    def _register_problem(self, problem: Any, info: PluginInfo) -> None:
        name = getattr(problem, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(f"register_problems got {problem!r}, not a Problem")
        self._claim("problem", name, info)
        self.problems[name] = problem
        info.problems.append(name)

    def _register_target(self, target: Any, info: PluginInfo) -> None:
        if not isinstance(target, NamedTarget):
            raise PluginError(f"register_targets got {target!r}, not a NamedTarget")
        self._claim(target.kind, target.name, info)
        self.targets[target.kind][target.name] = target
        info.targets.append(f"{target.kind}:{target.name}")

    def plugin_of(self, kind: str, name: str) -> str | None:
        return self._owner.get((kind, name))

    def solver_ref(self, name: str) -> SolverRef:
        if name not in self.certifiers:
            raise UnknownNameError(f"unknown solver '{name}'; available: {', '.join(sorted(self.certifiers)) or 'none'}")
        return self.certifiers[name]

    def solver_class(self, name: str) -> type:
        """The certifier class of `name`, imported on first use. A plugin whose solver module
        fails to import gives a one-line PluginError naming the plugin."""
        if name not in self._classes:
            ref = self.solver_ref(name)
            try:
                self._classes[name] = ref.load()
            except PluginError:
                raise
            except (Exception, SystemExit) as exc:
                raise PluginError(f"solver '{name}' (plugin '{self.plugin_of('solver', name)}') could not be "
                                  f"loaded from {ref.path}: {type(exc).__name__}: {exc}") from None
        return self._classes[name]

    def certifier(self, name: str) -> Any:
        return self.solver_class(name)()

    def solvers_supporting(self, target: Any, exclude: str | None = None) -> list[str]:
        """Names of the loadable solvers whose supports() accepts `target`."""
        out = []
        for name in sorted(self.certifiers):
            if name == exclude:
                continue
            try:
                if self.certifier(name).supports(target):
                    out.append(name)
            except Exception:  # a broken plugin must not break the hint
                continue
        return out

    def problem(self, name: str) -> Any:
        if name not in self.problems:
            raise UnknownNameError(f"unknown problem '{name}'; known: {', '.join(sorted(self.problems))}")
        return self.problems[name]

    def target(self, kind: str, name: str) -> NamedTarget:
        if name not in self.targets.get(kind, {}):
            from .targets import unknown_target

            raise unknown_target(kind, name)
        return self.targets[kind][name]


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
