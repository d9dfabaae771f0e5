"""Entry point of the built-in SDP plugin (registered exactly as a third party would)."""

from quantcorr import hookimpl


@hookimpl
def register_certifiers(register):
    from .lhs import SdpLhs
    from .polytope import PolytopeLhs

    register(SdpLhs)
    register(PolytopeLhs)
