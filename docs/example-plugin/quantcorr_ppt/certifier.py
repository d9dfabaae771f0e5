"""PPT criterion as a (one-sided) steering certifier.

A separable state admits an LHS model for every measurement of the steering party. For 2x2 and
2x3 systems, positive partial transpose (PPT) is equivalent to separability (Horodecki 1996),
so a PPT state of those dimensions is certified unsteerable for ALL measurements. Otherwise
(NPT, or PPT in larger dimensions) the criterion says nothing about steering: inconclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quantcorr import Certificate, Certifier, Options, Result, SteeringTarget, Verdict
from quantcorr.options import option


@dataclass
class PptOptions(Options):
    tol: float = option(1e-10, "eigenvalues above -tol count as non-negative", gt=0, le=1e-3)


class PptCertifier(Certifier):
    name = "ppt"
    questions = ("steering",)
    rigor = "certified"
    description = "PPT criterion: certifies unsteerability of 2x2 / 2x3 PPT states (example plugin)"
    Options = PptOptions

    def supports(self, target) -> bool:
        return isinstance(target, SteeringTarget) and target.state.n_parties == 2

    def _certify(self, target: SteeringTarget, options: PptOptions) -> Result:
        da, db = target.state.dims
        rho = target.state.rho.reshape(da, db, da, db)
        pt = rho.transpose(2, 1, 0, 3).reshape(da * db, da * db)  # transpose on Alice
        low = float(np.linalg.eigvalsh(pt).min())
        ppt = low >= -options.tol
        if ppt and da * db <= 6:
            return Result(self.name, "steering", Verdict.UNSTEERABLE, "certified", value=low,
                          quantities={"min_eig_partial_transpose": low},
                          certificate=Certificate("ppt", {"min_eigenvalue": low},
                                                  "PPT in 2x2/2x3 implies separable, hence unsteerable"))
        why = ("NPT: entangled, but entanglement does not imply steerability" if not ppt
               else "PPT in dimension > 6 does not imply separability")
        return Result(self.name, "steering", Verdict.INCONCLUSIVE, None, value=low,
                      quantities={"min_eig_partial_transpose": low}, message=why)
