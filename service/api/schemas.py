"""HTTP-only shapes. Core results (SearchResult, Passage, ...) come from service.models unchanged."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, field_validator

from service.models import MAX_K, Citation, Filters, RetrievalMode

if TYPE_CHECKING:
    from index.corpus import Document
    from index.store import CorpusIndex


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    documents: int
    chunks: int
    sentences: int
    dense_index: str
    built_at: str

    @classmethod
    def of(cls, index: CorpusIndex) -> Ready:
        counts = index.manifest.counts
        return cls(status="ready", documents=len(index.documents), chunks=counts["chunks"],
                   sentences=counts["sentences"], dense_index=index.manifest.dense_kind,
                   built_at=index.manifest.built_at)


class DocumentSummary(BaseModel):
    id: str
    title: str | None
    publication: str | None
    author: str | None
    date: date | None
    length: int

    @classmethod
    def of(cls, doc: Document, **fields) -> DocumentSummary:
        return cls(id=doc.id, title=doc.title, publication=doc.publication, author=doc.author,
                   date=doc.date, length=len(doc.text), **fields)


class DocumentFull(DocumentSummary):
    url: str | None
    sha256: str
    text: str

    @classmethod
    def of(cls, doc: Document) -> DocumentFull:
        return super().of(doc, url=doc.url, sha256=doc.sha256, text=doc.text)


class Excerpt(Citation):
    """A citation link's target: the exact text plus some context either side."""

    before: str
    after: str


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000, description="1-1000 characters after trimming.")
    k: int | None = Field(default=None, ge=1, le=MAX_K, description="How many passages to return "
                                                                      "(default: RUNRI_DEFAULT_K, 5).")
    mode: RetrievalMode = RetrievalMode.hybrid
    filters: Filters | None = None

    _trimmed = field_validator("question")(classmethod(lambda cls, value: _not_blank(value)))


class CiteRequest(BaseModel):
    text: str = Field(min_length=1, max_length=5000,
                      description="The quote or claim as pasted: 1-5000 characters after trimming.")

    _trimmed = field_validator("text")(classmethod(lambda cls, value: _not_blank(value)))


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must contain at least 1 non-whitespace character")
    return value
