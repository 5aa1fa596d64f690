"""Incremental updates: the next index from the current one plus or minus one document.

Only the added document is chunked and embedded; removing one keeps every other vector as stored
(the backend decides how: copies of the FAISS indexes, or Milvus upserts and deletes).
BM25 is rebuilt from the kept tokens plus the new chunks' (bm25s has no incremental add). Both
functions return a new CorpusIndex and never modify the one given, so a reader holding the old index
keeps a consistent snapshot while the new one is built and persisted. The new index records its
`Delta`, so that saving it writes only what changed (index/segments.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.chunk import ChunkerSettings, chunk_documents
from index.corpus import Document
from index.dense import IvfParams
from index.embed import Embedder
from index.manifest import Manifest, utc_now
from index.multilingual import MultilingualVectors
from index.rows import ChunkRows, SentenceRows
from index.sentences import split_sentences
from index.segments import Segment
from index.store import CorpusIndex, Delta


@dataclass(frozen=True)
class UpdateParams:
    chunker: ChunkerSettings
    approximate_threshold: int
    ivf: IvfParams = IvfParams()


Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed)


def add_document(index: CorpusIndex, doc: Document, embedder: Embedder, params: UpdateParams,
                 progress: Progress | None = None, batch: int = 32,
                 multilingual_embedder: Embedder | None = None) -> CorpusIndex:
    """`progress` hears how far the embedding is, one batch of `batch` texts at a time.
    `multilingual_embedder` is required when the index has a cross-lingual leg: the new article's
    chunks and sentences get their multilingual vectors too, so a Chinese question finds it at once."""
    if index.multilingual is not None and multilingual_embedder is None:
        raise ValueError("this index has a multilingual leg: add_document needs the multilingual embedder")
    multilingual_embedder = multilingual_embedder if index.multilingual is not None else None
    return add_segment(index, prepare_segment(doc, embedder, params, progress, batch, multilingual_embedder))


def prepare_segment(doc: Document, embedder: Embedder, params: UpdateParams, progress: Progress | None = None,
                    batch: int = 32, multilingual_embedder: Embedder | None = None) -> Segment:
    """The document chunked, split and embedded (by the cross-lingual model too, when given): all a
    write's heavy work, which needs no index (a writer does it before taking the write lock)."""
    chunks = chunk_documents([doc], params.chunker)
    spans = split_sentences(doc.text)
    texts = [c.text for c in chunks] + [doc.text[s.start:s.end] for s in spans]
    vectors = embed_in_batches(embedder, texts, batch, progress)
    extra = embed_in_batches(multilingual_embedder, texts, batch) if multilingual_embedder is not None else None
    return Segment(doc, [(c.start, c.end) for c in chunks], [(s.start, s.end) for s in spans],
                   vectors[: len(chunks)], vectors[len(chunks):],
                   None if extra is None else extra[: len(chunks)], None if extra is None else extra[len(chunks):])


def add_segment(index: CorpusIndex, segment: Segment) -> CorpusIndex:
    """The next index: `segment`'s rows appended after the current ones."""
    multilingual = index.multilingual
    if multilingual is not None:
        if segment.multilingual_chunk_vectors is None:
            raise ValueError("this index has a multilingual leg: the segment needs its multilingual vectors")
        multilingual = multilingual.with_added(segment.multilingual_chunk_vectors,
                                               segment.multilingual_sentence_vectors)
    doc = segment.document
    documents = {**index.documents, doc.id: doc}
    all_chunks = index.chunks.extended(doc.id, segment.chunk_spans, documents=documents)
    all_sentences = index.sentences.extended(doc.id, segment.sentence_spans)
    backend = index.backend.with_added(documents, all_chunks, all_sentences, segment.chunk_vectors,
                                       segment.sentence_vectors)
    return _next(index, documents, all_chunks, all_sentences, backend, index.added_ids | {doc.id},
                 index.manifest.segments + [doc.id], Delta(index.build_name, index.manifest.segments, segment),
                 multilingual)


def remove_document(index: CorpusIndex, doc_id: str, params: UpdateParams) -> CorpusIndex:
    documents = {k: v for k, v in index.documents.items() if k != doc_id}
    chunks = index.chunks.without(doc_id, documents=documents)
    sentences = index.sentences.without(doc_id)
    backend = index.backend.without_document(doc_id, documents, chunks, sentences, params.approximate_threshold,
                                             params.ivf)
    segments = [name for name in index.manifest.segments if name != doc_id]
    multilingual = index.multilingual
    if multilingual is not None:
        keep_chunks, keep_sentences = index.chunks.without_mask(doc_id), index.sentences.without_mask(doc_id)
        multilingual = multilingual.without_rows(keep_chunks, keep_sentences, params.approximate_threshold, params.ivf)
    return _next(index, documents, chunks, sentences, backend, index.added_ids - {doc_id}, segments,
                 Delta(index.build_name, index.manifest.segments, removed=doc_id), multilingual)


def embed_in_batches(embedder: Embedder, texts: list[str], batch: int, progress: Progress | None = None
                     ) -> np.ndarray:
    """Embed a few texts at a time, shortest first (little padding per batch), in the calling thread:
    a write's embedding then runs at its thread's priority and says how far it is."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = np.empty((len(texts), embedder.dimension), dtype=np.float32)
    for start in range(0, len(texts), batch):
        rows = order[start:start + batch]
        vectors[rows] = embedder.embed([texts[i] for i in rows])
        if progress is not None:
            progress(min(start + batch, len(texts)), len(texts))
    return vectors


def _next(index: CorpusIndex, documents: dict[str, Document], chunks: ChunkRows, sentences: SentenceRows,
          backend, added_ids: frozenset[str], segments: list[str], delta: Delta,
          multilingual: MultilingualVectors | None = None) -> CorpusIndex:
    old = index.manifest  # same model and chunking: only the documents change in the fingerprint
    manifest = Manifest(
        fingerprint=old.fingerprint.model_copy(update={
            "documents": {d: doc.sha256 for d, doc in sorted(documents.items())}}),
        counts={"documents": len(documents), "chunks": len(chunks), "sentences": len(sentences),
                **backend.counts(), **(multilingual.counts() if multilingual is not None else {})},
        dense_kind=backend.dense_kind,
        collections=old.collections,
        segments=segments,
        files={},
        library_versions=old.library_versions,
        build_seconds=old.build_seconds,
        built_at=utc_now(),
        build_compute=old.build_compute,
    )
    return CorpusIndex(manifest, documents, chunks, sentences, backend, frozenset(added_ids), index.build_name,
                       delta=delta, multilingual=multilingual)

