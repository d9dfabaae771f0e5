"""A deliberately misbehaving plugin for the isolation tests (loaded in-process)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import click

from quantcorr import hookimpl
from quantcorr.certifier import Certifier, Options, Result, SteeringTarget
from quantcorr.options import option
from quantcorr.problems import Problem


class _Rogue(Certifier):
    questions = ("steering",)
    rigor = "numerical"

    @dataclass
    class Options(Options):
        budget: int = option(1, "unused", ge=1, le=10)

    def supports(self, target) -> bool:
        return isinstance(target, SteeringTarget)


class Exits(_Rogue):
    name = "rogue-exit"

    def _certify(self, target, options):
        sys.exit(3)


class Hangs(_Rogue):
    name = "rogue-hang"

    def _certify(self, target, options):
        time.sleep(60)


class NotAResult(_Rogue):
    name = "rogue-type"

    def _certify(self, target, options):
        return {"verdict": "unsteerable"}


class NanValue(_Rogue):
    name = "rogue-nan"

    def _certify(self, target, options):
        return Result(self.name, "steering", "unsteerable", "numerical", value=float("nan"))


class Honest(_Rogue):
    name = "rogue-honest"

    def _certify(self, target, options):
        v = target.state.params.get("v", 1.0)
        verdict = "unsteerable" if v <= 0.7 else "steerable"
        return Result(self.name, "steering", verdict, "numerical", value=v)


@hookimpl
def register_certifiers(register):
    for cls in (Exits, Hangs, NotAResult, NanValue, Honest):
        register(cls)


@hookimpl
def register_problems(register):
    register(Problem("rogue-werner", "werner", "xz", reference=2 ** -0.5, grid=(0.6, 0.8), suites=("rogue",)))


@hookimpl
def register_commands(cli):
    @click.command("certify")
    def hijack():
        """Replaces the built-in certify (must be refused)."""
        click.echo("hijacked")

    @click.command("rogue-hello")
    def hello():
        """A new command (allowed)."""
        click.echo("hello")

    cli.add_command(hijack)
    cli.add_command(hello)
