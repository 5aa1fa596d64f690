"""Where the vectors and the BM25 postings live: the one seam between retrieval and a search engine.

The documents, chunks and sentences (with their exact offsets) stay in the CorpusIndex in both
cases; a backend only ranks rows of them. `FaissBackend` is the embedded default (FAISS + bm25s in
this process); `index.milvus.MilvusBackend` keeps the same rows in Milvus collections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import numpy as np

from index.corpus import Document
from index.dense import DenseIndex, IvfParams
from index.lexical import LexicalIndex, top_k
from index.rows import ChunkRows, SentenceRows

CHUNK_VECTORS = "chunks.faiss"
SENTENCE_VECTORS = "sentences.faiss"
BM25_DIR = "bm25"


@dataclass(frozen=True, slots=True)
class Hit:
    row: int  # the chunk's or sentence's id (its row in the CorpusIndex)
    score: float


@dataclass(frozen=True)
class Scope:
    """Which documents a search may return; every given field must match. A backend either resolves
    it against the documents (FAISS) or pushes it down as a boolean expression (Milvus)."""

    doc_ids: frozenset[str] | None = None
    publication: str | None = None  # compared case-insensitively
    date_from: date | None = None
    date_to: date | None = None
    include_undated: bool = False  # with a date range, also admit documents that state no date

    def admits(self, doc: Document) -> bool:
        if self.doc_ids is not None and doc.id not in self.doc_ids:
            return False
        if self.publication is not None and (doc.publication or "").casefold() != self.publication_key:
            return False
        if doc.date is None:
            return self.include_undated or (self.date_from is None and self.date_to is None)
        if self.date_from is not None and doc.date < self.date_from:
            return False
        if self.date_to is not None and doc.date > self.date_to:
            return False
        return True

    @property
    def publication_key(self) -> str | None:
        return None if self.publication is None else self.publication.strip().casefold()


class SearchBackend(Protocol):
    """Ranks chunks (dense and BM25) and sentences (dense) of one index snapshot."""

    kind: str  # "faiss" | "milvus"
    dense_kind: str  # "flat" | "ivf" | ...

    def dense(self, vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]: ...

    def lexical(self, query: str, k: int, scope: Scope | None = None) -> list[Hit]: ...

    def sentence_rows(self, ids: Sequence[int]) -> np.ndarray: ...

    def similar_sentences(self, vector: np.ndarray, k: int) -> list[Hit]: ...

    def save(self, directory: Path) -> None:
        """Write what belongs in the build directory (before it is swapped in)."""

    def publish(self) -> None:
        """Called once the build directory is current: make the backend's side current too."""

    def counts(self) -> dict[str, int]:
        """Stored vectors, for the manifest's consistency check."""

    def set_nprobe(self, nprobe: int) -> None:
        """IVF lists searched per query (no effect on an exact index)."""


class FaissBackend:
    """FAISS for both vector sets and bm25s for the chunks, all in this process."""

    kind = "faiss"

    def __init__(self, chunk_vectors: DenseIndex, sentence_vectors: DenseIndex, lexical: LexicalIndex,
                 chunks: ChunkRows, sentences: SentenceRows, documents: Mapping[str, Document]) -> None:
        """`chunks`, `sentences`: the index's own rows (shared, not copied), which say whose each row is."""
        self.chunk_vectors = chunk_vectors
        self.sentence_vectors = sentence_vectors
        self.lexical_index = lexical
        self._chunks, self._sentences = chunks, sentences
        self._documents = documents

    @property
    def dense_kind(self) -> str:
        return self.chunk_vectors.kind

    def allowed_rows(self, scope: Scope | None) -> np.ndarray | None:
        if scope is None:
            return None
        return self._chunks.rows_of(doc_id for doc_id, doc in self._documents.items() if scope.admits(doc))

    def dense(self, vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]:
        scores, ids = self.chunk_vectors.search(vector, k, self.allowed_rows(scope))
        return [Hit(int(i), float(s)) for s, i in zip(scores, ids)]

    def lexical(self, query: str, k: int, scope: Scope | None = None) -> list[Hit]:
        scores = self.lexical_index.scores(query)
        allowed = self.allowed_rows(scope)
        if allowed is not None:
            masked = np.zeros_like(scores)
            masked[allowed] = scores[allowed]
            scores = masked
        top_scores, ids = top_k(scores, k)
        return [Hit(int(i), float(s)) for s, i in zip(top_scores, ids)]

    def sentence_rows(self, ids: Sequence[int]) -> np.ndarray:
        return self.sentence_vectors.rows(list(ids))

    def similar_sentences(self, vector: np.ndarray, k: int) -> list[Hit]:
        scores, ids = self.sentence_vectors.search(vector, k)
        return [Hit(int(i), float(s)) for s, i in zip(scores, ids)]

    def save(self, directory: Path) -> None:
        self.chunk_vectors.save(directory / CHUNK_VECTORS)
        self.sentence_vectors.save(directory / SENTENCE_VECTORS)
        self.lexical_index.save(directory / BM25_DIR)

    def publish(self) -> None:
        return None

    def counts(self) -> dict[str, int]:
        return {"chunk_vectors": self.chunk_vectors.size, "sentence_vectors": self.sentence_vectors.size}

    def set_nprobe(self, nprobe: int) -> None:
        for vectors in (self.chunk_vectors, self.sentence_vectors):
            vectors.set_nprobe(nprobe)

    def with_added(self, documents: Mapping[str, Document], chunks: ChunkRows, sentences: SentenceRows,
                   chunk_matrix: np.ndarray, sentence_matrix: np.ndarray) -> FaissBackend:
        """Copies of the vector indexes with the new rows appended (this snapshot is untouched) and
        BM25 rebuilt with only the new chunks tokenized (bm25s cannot add documents)."""
        known = self.lexical_index.size
        lexical = self.lexical_index.with_added([chunks[row].text for row in range(known, len(chunks))],
                                                lambda: [c.text for c in chunks[:known]])
        return FaissBackend(self.chunk_vectors.with_added(chunk_matrix),
                            self.sentence_vectors.with_added(sentence_matrix), lexical, chunks, sentences, documents)

    def without_document(self, doc_id: str, documents: Mapping[str, Document], chunks: ChunkRows,
                         sentences: SentenceRows, approximate_threshold: int, ivf: IvfParams) -> FaissBackend:
        """The kept rows (`chunks`, `sentences`), renumbered in order, from the stored vectors (nothing is
        re-embedded)."""
        keep_chunks = self._chunks.without_mask(doc_id)
        return FaissBackend(
            self.chunk_vectors.without_rows(keep_chunks, approximate_threshold, ivf),
            self.sentence_vectors.without_rows(self._sentences.without_mask(doc_id), approximate_threshold, ivf),
            self.lexical_index.without_rows(keep_chunks, lambda: [c.text for c in chunks]), chunks, sentences,
            documents)

    @classmethod
    def load(cls, directory: Path, chunks: ChunkRows, sentences: SentenceRows,
             documents: Mapping[str, Document], segments: Sequence[tuple[np.ndarray, np.ndarray]] = (),
             mapped: bool = False) -> FaissBackend:
        """The base vectors, then each segment's (chunk, sentence) vectors appended in order, as the
        writes that added them did in memory (index/segments.py). `mapped`: IVF lists stay in their files."""
        chunk_vectors = DenseIndex.load(directory / CHUNK_VECTORS, mapped)
        sentence_vectors = DenseIndex.load(directory / SENTENCE_VECTORS, mapped)
        if segments:
            chunk_vectors = chunk_vectors.with_added(np.vstack([c for c, _ in segments]))
            sentence_vectors = sentence_vectors.with_added(np.vstack([s for _, s in segments]))
        return cls(chunk_vectors, sentence_vectors, LexicalIndex.load(directory / BM25_DIR, size=len(chunks)),
                   chunks, sentences, documents)
