"""Errors of a request to the service, on the same base as the index's errors (index/errors.py). The
HTTP layer maps both to status codes in one place (service/api/error_handlers.py); the CLI prints
their message."""

from __future__ import annotations

from index.errors import RunriError


class NotReadyError(RunriError):
    """The service has not finished loading its index."""


class DocumentNotFoundError(RunriError):
    """A request named a document id that is not in the corpus."""


class InvalidRequestError(RunriError):
    """A request is well-formed but asks for something impossible (e.g. offsets outside a document)."""


class ConflictError(RunriError):
    """A write clashes with the corpus (an id already used by another text, a seed article)."""


class AuthenticationError(RunriError):
    """A write request without the right bearer token."""


class WritesDisabledError(RunriError):
    """Write endpoints are off because no API token is configured."""


class UnsupportedMediaTypeError(RunriError):
    """A request body in a format the endpoint does not read."""


class ServiceBusyError(RunriError):
    """Every worker for this kind of request is busy and its queue is full: retry later."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JobNotFoundError(RunriError):
    """A job id the server does not know (jobs live in memory)."""
