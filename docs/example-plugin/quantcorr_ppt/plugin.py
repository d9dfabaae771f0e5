"""Hook implementations: quantcorr calls these when it loads the entry point `ppt`."""

from quantcorr import hookimpl


@hookimpl
def register_certifiers(register):
    from .certifier import PptCertifier

    register(PptCertifier)
