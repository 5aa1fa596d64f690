"""Every domain error of the service. The core raises these; the HTTP layer maps them to status codes
in one place (service/api/errors.py) and the CLI prints their message."""

from __future__ import annotations


class RunriError(Exception):
    """Base class: `message` is written for the person who has to act on it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CorpusError(RunriError):
    """The corpus on disk would break citations (bad encoding, empty text, duplicate ids, ...)."""


class IndexMissingError(RunriError):
    """No index has been built yet."""


class IndexStaleError(RunriError):
    """The index was built from another corpus, model or chunking than the current one."""


class IndexCorruptError(RunriError):
    """The index directory is unreadable or inconsistent with its manifest."""


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
