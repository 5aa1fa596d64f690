"""The base error and the errors of the corpus and the stored index. They are raised where the index is
built and loaded; the service adds its request errors (service/request_errors.py) on the same base, and
the HTTP layer maps them all to status codes in one place (service/api/error_handlers.py)."""

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


class DiskFullError(RunriError):
    """A write found no space left where the index lives; nothing was changed and nothing is left behind."""

    def __init__(self, message: str, needed_bytes: int) -> None:
        super().__init__(message)
        self.needed_bytes = needed_bytes
