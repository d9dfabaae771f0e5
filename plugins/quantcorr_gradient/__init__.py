"""gradient-lhs and gradient-lhv: gradient-trained local-hidden-state (REFERENCE.md section 2)
and local-hidden-variable (section 7) models.

Shared rooms: `options` (options and resolved budgets), `storage` (safe checksummed files),
`trainer` (Adam loop, plateau stop, checkpoints, exact resume), `session` (device/dtype, test
batch, calibrated verdict), `fit` (threshold rule), `scan` (threshold scan), `cli` (`verify`).
LHS: `basis`, `losses`, `lhs_model`, `lhs` (the `GradientLhs` certifier).
torch is imported only by these modules, never by `plugin` at import time.
"""
