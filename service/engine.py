"""The core every shell (HTTP, CLI, eval) calls: search, documents and excerpts over one loaded index."""

from __future__ import annotations

import time

from index.corpus import Document
from index.embed import Embedder
from index.store import CorpusIndex
from service.errors import DocumentNotFoundError, InvalidRequestError
from service.indexing import embedder_for, open_index
from service.models import Filters, RetrievalMode, SearchResult
from service.retrieve import Retriever
from service.settings import Settings


class Engine:
    def __init__(self, settings: Settings, index: CorpusIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index, embedder, settings.candidate_pool, settings.rrf_k,
                                   settings.query_cache_size)

    @classmethod
    def open(cls, settings: Settings) -> Engine:
        """Load the index and the model once; raises a typed error when the index is missing or stale."""
        index = open_index(settings)
        return cls(settings, index, embedder_for(settings))

    def search(self, query: str, k: int | None = None, mode: RetrievalMode = RetrievalMode.hybrid,
               filters: Filters | None = None) -> SearchResult:
        started = time.perf_counter()
        k = k or self.settings.default_k
        ranked = self.retriever.rank(query, mode, max(self.settings.candidate_pool, k), filters)
        passages = self.retriever.passages(ranked, k)
        return SearchResult(query=query, mode=mode, passages=passages, took_ms=_ms_since(started))

    def document(self, doc_id: str) -> Document:
        doc = self.index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}; GET /documents lists the ids")
        return doc

    def excerpt(self, doc_id: str, start: int, end: int, context: int) -> tuple[Document, str, str, str]:
        """(document, text before, cited text, text after) for a stable citation link."""
        doc = self.document(doc_id)
        if not 0 <= start < end <= len(doc.text):
            raise InvalidRequestError(f"offsets must satisfy 0 <= start < end <= {len(doc.text)} for "
                                      f"{doc_id}; got start={start}, end={end}")
        before = doc.text[max(0, start - context):start]
        after = doc.text[end:end + context]
        return doc, before, doc.text[start:end], after


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
