"""HTTP-only shapes. Core results (SearchResult, Passage, ...) come from service.models unchanged."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from service.jobs import Job, JobStatus
from service.models import AddResult, AskRequest, CiteRequest, RemoveResult  # noqa: F401 (bodies live in the core)

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
                   date=doc.date, length=doc.length, **fields)


class DocumentFull(DocumentSummary):
    url: str | None
    sha256: str
    text: str

    @classmethod
    def of(cls, doc: Document) -> DocumentFull:
        return super().of(doc, url=doc.url, sha256=doc.sha256, text=doc.text)


class JobProgress(BaseModel):
    stage: str = Field(description="queued, embedding, saving, publishing or done.")
    done: int = Field(description="Texts (chunks and sentences) embedded so far.")
    total: int = Field(description="Texts to embed; 0 until embedding starts, and for a removal.")


class JobError(BaseModel):
    status: int = Field(description="The HTTP status the write would have answered with.")
    error: str
    message: str


class JobView(BaseModel):
    """A write accepted as a job: where it stands, and its result or error once finished."""

    job_id: str
    kind: str = Field(description="add or remove.")
    doc_id: str
    status: JobStatus
    progress: JobProgress
    result: AddResult | RemoveResult | None = None
    error: JobError | None = None
    created_at: str
    started_at: str | None
    finished_at: str | None
    location: str = Field(description="Where to ask again: GET /jobs/{job_id}.")

    @classmethod
    def of(cls, job: Job, error: JobError | None = None) -> JobView:
        p = job.progress
        return cls(job_id=job.id, kind=job.kind, doc_id=job.doc_id, status=job.status,
                   progress=JobProgress(stage=p.stage, done=p.done, total=p.total),
                   result=job.result if job.status is JobStatus.done else None, error=error,
                   created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
                   location=f"/jobs/{job.id}")
