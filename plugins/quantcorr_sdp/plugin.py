"""Entry point of the built-in SDP plugin (registered exactly as a third party would)."""

from quantcorr import hookimpl


@hookimpl
def register_certifiers(register):
    from .lhs import SdpLhs

    register(SdpLhs)
    from .polytope import PolytopeLhs; register(PolytopeLhs)  # noqa: E702 (issue 4)
