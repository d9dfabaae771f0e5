"""gradient-lhs: gradient-trained local-hidden-state models (REFERENCE.md section 2).

Modules: `basis` (orthonormal polynomial features of POVM elements), `losses` (trace norms and
the assemblage loss), `model` (the LHS model), `trainer` (a generic Adam trainer with
checkpoints, reusable for an LHV model), `certifier` (the `GradientLhs` certifier), `scan`
(critical visibility from a loss scan), `cli` (the `verify` command), `plugin` (hooks).
torch is imported only inside these modules, never by `plugin` at import time.
"""
