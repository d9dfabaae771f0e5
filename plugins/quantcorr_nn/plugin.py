"""Entry point of the nn plugin (registers lazily: no heavy imports here).

Solvers svm-chsh and nn-chsh (learned predictions of quantum-set membership in the CHSH
scenario) and the command group `quantcorr learn` (data, train, eval).
"""

from __future__ import annotations

from typing import Any, Callable

from quantcorr import hookimpl


@hookimpl
def register_certifiers(register: Callable[[object], None]) -> None:
    from quantcorr.registration import SolverRef

    register(SolverRef("svm-chsh", "quantcorr_nn.certifier:SvmChsh", questions=("quantum-set",), rigor="prediction",
                       targets=("behaviour",), description="RBF SVM's prediction of quantum-set membership of a CHSH behaviour"))
    register(SolverRef("nn-chsh", "quantcorr_nn.certifier:NnChsh", questions=("quantum-set",), rigor="prediction",
                       requires=("torch",), targets=("behaviour",),
                       description="neural network's prediction (classifier or gauge model) of quantum-set membership"))


@hookimpl
def register_commands(cli: Any) -> None:
    from .cli import learn

    cli.add_command(learn)
