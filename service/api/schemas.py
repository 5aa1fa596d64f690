"""HTTP-only shapes. Core results (SearchResult, Passage, ...) come from service.models unchanged."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel

from service.models import AskRequest, CiteRequest  # noqa: F401 (the request bodies live in the core)

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


