"""Incremental updates: the next index from the current one plus or minus one document.

Only the added document is chunked and embedded; removing one keeps every other vector as stored.
BM25 is rebuilt from the chunk texts (bm25s has no incremental add; tokenizing is cheap next to
embedding). Both functions return a new CorpusIndex and never modify the one given, so a reader
holding the old index keeps a consistent snapshot while the new one is built and persisted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.chunk import Chunk, ChunkerSettings, chunk_documents
from index.corpus import Document
from index.dense import IvfParams
from index.embed import Embedder
from index.lexical import LexicalIndex
from index.manifest import Manifest, utc_now
from index.sentences import Sentence, split_sentences
from index.store import CorpusIndex


@dataclass(frozen=True)
class UpdateParams:
    chunker: ChunkerSettings
    approximate_threshold: int
    ivf: IvfParams = IvfParams()


def add_document(index: CorpusIndex, doc: Document, embedder: Embedder, params: UpdateParams) -> CorpusIndex:
    chunks = chunk_documents([doc], params.chunker, first_id=len(index.chunks))
    first = len(index.sentences)
    sentences = [Sentence(first + i, doc.id, s.start, s.end) for i, s in enumerate(split_sentences(doc.text))]
    vectors = embedder.embed([c.text for c in chunks] + [doc.text[s.start:s.end] for s in sentences])
    all_chunks = index.chunks + chunks
    return _next(index, {**index.documents, doc.id: doc}, all_chunks, index.sentences + sentences,
                 index.chunk_vectors.with_added(vectors[: len(chunks)]),
                 index.sentence_vectors.with_added(vectors[len(chunks):]),
                 index.added_ids | {doc.id}, params)


def remove_document(index: CorpusIndex, doc_id: str, params: UpdateParams) -> CorpusIndex:
    keep_chunks = np.array([c.doc_id != doc_id for c in index.chunks])
    keep_sentences = np.array([s.doc_id != doc_id for s in index.sentences])
    chunks = [Chunk(i, c.doc_id, c.start, c.end, c.text)
              for i, c in enumerate(c for c in index.chunks if c.doc_id != doc_id)]
    sentences = [Sentence(i, s.doc_id, s.start, s.end)
                 for i, s in enumerate(s for s in index.sentences if s.doc_id != doc_id)]
    documents = {k: v for k, v in index.documents.items() if k != doc_id}
    return _next(index, documents, chunks, sentences,
                 index.chunk_vectors.without_rows(keep_chunks, params.approximate_threshold, params.ivf),
                 index.sentence_vectors.without_rows(keep_sentences, params.approximate_threshold, params.ivf),
                 index.added_ids - {doc_id}, params)


def _next(index: CorpusIndex, documents: dict[str, Document], chunks: list[Chunk], sentences: list[Sentence],
          chunk_vectors, sentence_vectors, added_ids: frozenset[str], params: UpdateParams) -> CorpusIndex:
    old = index.manifest  # same model and chunking: only the documents change in the fingerprint
    manifest = Manifest(
        fingerprint=old.fingerprint.model_copy(update={
            "documents": {d: doc.sha256 for d, doc in sorted(documents.items())}}),
        counts={"documents": len(documents), "chunks": len(chunks), "sentences": len(sentences),
                "chunk_vectors": chunk_vectors.size, "sentence_vectors": sentence_vectors.size},
        dense_kind=chunk_vectors.kind,
        files={},
        library_versions=old.library_versions,
        build_seconds=old.build_seconds,
        built_at=utc_now(),
    )
    return CorpusIndex(manifest, documents, chunks, sentences, chunk_vectors, sentence_vectors,
                       LexicalIndex.build([c.text for c in chunks]), frozenset(added_ids), index.build_name)

