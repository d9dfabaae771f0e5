"""Entry point of the built-in SDP plugin (registered exactly as a third party would). Only light
descriptors: the solver modules (numpy, scipy, cvxpy) are imported on first use."""

from quantcorr import hookimpl
from quantcorr.registration import SolverRef


@hookimpl
def register_certifiers(register):
    register(SolverRef(
        "sdp-lhs", "quantcorr_sdp.lhs:SdpLhs", questions=("steering",), rigor="certified", requires=("cvxpy",),
        targets=("state+finite", "multipartite", "assemblage", "assemblage(n>=2)"),
        description="LHS SDP over deterministic strategies (finite settings): certified steering inequality or "
                    "LHS model, robustness, weight, one-SDP critical visibility"))
    register(SolverRef(
        "polytope-lhs", "quantcorr_sdp.polytope:PolytopeLhs", questions=("steering",), rigor="certified",
        requires=("scipy",), targets=("state+pvm/povm",),
        description="certified bracket for all PVMs/POVMs of a qubit steering party (polytope LP + steering "
                    "inequality)"))
