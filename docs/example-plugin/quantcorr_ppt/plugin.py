"""Hook implementations: quantcorr calls these when it loads the entry point `ppt`.

The solver is registered as a light descriptor: quantcorr imports `quantcorr_ppt.certifier`
(and numpy with it) only when the solver is used, so `quantcorr --help` stays fast."""

from quantcorr import hookimpl
from quantcorr.registration import SolverRef


@hookimpl
def register_certifiers(register):
    register(SolverRef("ppt", "quantcorr_ppt.certifier:PptCertifier", questions=("steering",), rigor="certified",
                       description="PPT criterion: certifies unsteerability of 2x2 / 2x3 PPT states (example plugin)",
                       requires=("numpy",), targets=("state+finite", "state+pvm/povm")))
