"""HTTP-only shapes. Core results (SearchResult, Passage, ...) come from service.models unchanged."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


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


class Excerpt(BaseModel):
    doc_id: str
    title: str | None
    publication: str | None
    date: date | None
    start: int
    end: int
    text: str
    before: str
    after: str
