"""Every error the infra package raises, in one place.

InfraError
 +-- BinaryNotFoundError   a server binary is missing from the installed wheels
 +-- InitdbError           initdb failed (its output is in the message)
 +-- NotReadyError         a readiness probe did not succeed in time (also a TimeoutError)
 +-- ProcessExitedError    a supervised process exited while we waited for it to be ready
"""

from __future__ import annotations


class InfraError(RuntimeError):
    """Base class of the errors raised by tokaroo_cli.infra."""


class BinaryNotFoundError(InfraError):
    """A server binary is not where its package puts it."""


class InitdbError(InfraError):
    """initdb exited non-zero."""


class NotReadyError(InfraError, TimeoutError):
    """A server did not answer its readiness probe within the timeout."""


class ProcessExitedError(InfraError):
    """The supervised process exited before it became ready."""
