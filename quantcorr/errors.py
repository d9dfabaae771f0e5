"""Exception hierarchy. Every error a user can provoke is a `QuantcorrError` whose message
names the problem in one line; the CLI prints it and exits with status 2."""

from __future__ import annotations


class QuantcorrError(Exception):
    """Base class of every error quantcorr raises on purpose."""


class ValidationError(QuantcorrError, ValueError):
    """An object failed a check at construction."""


class NonFiniteError(ValidationError):
    """An array holds NaN or infinity."""


class NotHermitianError(ValidationError):
    """An operator that must be Hermitian is not."""


class NotPSDError(ValidationError):
    """An operator that must be positive semidefinite has a negative eigenvalue."""


class TraceError(ValidationError):
    """A density operator or assemblage has the wrong trace."""


class DimensionError(ValidationError):
    """Shapes or subsystem dimensions do not fit together."""


class InvalidPOVMError(ValidationError):
    """POVM elements are not PSD or do not sum to the identity."""


class NoSignallingError(ValidationError):
    """An assemblage or behaviour signals from a steering party."""


class UnknownNameError(QuantcorrError, KeyError):
    """A solver, state, measurement, problem or suite name is not known."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SolverUnavailableError(QuantcorrError):
    """A solver's optional requirements are not installed."""


class UnsupportedTargetError(QuantcorrError):
    """A solver was asked about a target it cannot handle."""


class PluginError(QuantcorrError):
    """A plugin failed to load, or two plugins registered the same name."""


class InputFileError(QuantcorrError):
    """A state, POVM, assemblage, behaviour, model or cache file cannot be read (or is not of
    the expected kind)."""


class OptionError(QuantcorrError):
    """A solver option is unknown, of the wrong type, or outside its declared range."""


class ProblemTooLargeError(QuantcorrError):
    """A program or model would not fit this machine's memory or time budget. The message says
    the estimated size, the limit, and what to change."""


class OutputPathError(QuantcorrError):
    """An output path cannot be written (a directory, unwritable, or one of the inputs)."""
