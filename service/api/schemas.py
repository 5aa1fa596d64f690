"""HTTP-only shapes. Core results (SearchResult, Passage, ...) come from service.models unchanged."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator

from service.models import Citation, Filters, RetrievalMode


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    documents: int
    chunks: int
    sentences: int
    dense_index: str
    built_at: str


class DocumentSummary(BaseModel):
    id: str
    title: str | None
    publication: str | None
    author: str | None
    date: date | None
    length: int


class DocumentFull(DocumentSummary):
    url: str | None
    sha256: str
    text: str


class Excerpt(Citation):
    """A citation link's target: the exact text plus some context either side."""

    before: str
    after: str


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000, description="1-1000 characters after trimming.")
    k: int = Field(default=5, ge=1, le=50, description="How many passages to return.")
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
