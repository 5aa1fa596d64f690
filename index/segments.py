"""A segment: one document added since the last full save of the index, stored on its own.

A write that adds a document persists only this: the text and metadata, its chunk and sentence spans
and their vectors (float32). Everything else in the new build directory is a hard link to the file of
the build before it, so a write costs what it changed, not the size of the index. Loading appends the
segments, in the manifest's order, after the base rows (index/store.py); a full save folds them back
into the base.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from index.corpus import Document, sha256_text

SEGMENTS_DIR = "segments"
TEXT = "document.txt"
META = "document.json"
CHUNKS = "chunks.json"
SENTENCES = "sentences.json"
CHUNK_VECTORS = "chunks.npy"
SENTENCE_VECTORS = "sentences.npy"
MULTILINGUAL_CHUNK_VECTORS = "chunks.multilingual.npy"  # the cross-lingual leg's rows, when the index has one
MULTILINGUAL_SENTENCE_VECTORS = "sentences.multilingual.npy"


@dataclass(frozen=True)
class Segment:
    document: Document
    chunk_spans: list[tuple[int, int]]
    sentence_spans: list[tuple[int, int]]
    chunk_vectors: np.ndarray | None  # None when read without vectors (documents only)
    sentence_vectors: np.ndarray | None
    multilingual_chunk_vectors: np.ndarray | None = None  # index/multilingual.py, when the index has that leg
    multilingual_sentence_vectors: np.ndarray | None = None


def write_segment(folder: Path, segment: Segment) -> list[Path]:
    """Write one segment; returns the files written (the caller fsyncs them)."""
    folder.mkdir(parents=True)
    doc = segment.document
    (folder / TEXT).write_bytes(doc.text.encode("utf-8"))
    meta = {"id": doc.id, "sha256": doc.sha256, "title": doc.title, "publication": doc.publication,
            "author": doc.author, "date": doc.date.isoformat() if doc.date else None, "url": doc.url}
    (folder / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    (folder / CHUNKS).write_text(json.dumps(segment.chunk_spans), encoding="utf-8")
    (folder / SENTENCES).write_text(json.dumps(segment.sentence_spans), encoding="utf-8")
    written = [TEXT, META, CHUNKS, SENTENCES]
    for name, vectors in ((CHUNK_VECTORS, segment.chunk_vectors), (SENTENCE_VECTORS, segment.sentence_vectors),
                          (MULTILINGUAL_CHUNK_VECTORS, segment.multilingual_chunk_vectors),
                          (MULTILINGUAL_SENTENCE_VECTORS, segment.multilingual_sentence_vectors)):
        if vectors is not None or name in (CHUNK_VECTORS, SENTENCE_VECTORS):
            np.save(folder / name, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
            written.append(name)
    return [folder / name for name in written]


def read_document(folder: Path) -> Document:
    """The segment's document; its text must still hash to the sha256 it was stored with."""
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    text = (folder / TEXT).read_bytes().decode("utf-8")
    if sha256_text(text) != meta["sha256"]:
        raise ValueError(f"{folder / TEXT} does not match the sha256 it was stored with")
    return Document(id=meta["id"], text=text, sha256=meta["sha256"], title=meta["title"],
                    publication=meta["publication"], author=meta["author"],
                    date=date.fromisoformat(meta["date"]) if meta["date"] else None, url=meta["url"])


def read_segment(folder: Path) -> Segment:
    spans = [json.loads((folder / name).read_text(encoding="utf-8")) for name in (CHUNKS, SENTENCES)]
    chunk_vectors, sentence_vectors, multilingual_chunks, multilingual_sentences = (
        np.load(folder / name, allow_pickle=False) if (folder / name).exists() else None
        for name in (CHUNK_VECTORS, SENTENCE_VECTORS, MULTILINGUAL_CHUNK_VECTORS, MULTILINGUAL_SENTENCE_VECTORS))
    if chunk_vectors is None or sentence_vectors is None:
        raise ValueError(f"segment {folder} has no vectors")
    for vectors, spans_of in ((chunk_vectors, spans[0]), (sentence_vectors, spans[1]),
                              (multilingual_chunks, spans[0]), (multilingual_sentences, spans[1])):
        if vectors is not None and len(vectors) != len(spans_of):
            raise ValueError(f"segment {folder} holds vectors for other rows than its spans")
    return Segment(read_document(folder), [tuple(s) for s in spans[0]], [tuple(s) for s in spans[1]],
                   chunk_vectors, sentence_vectors, multilingual_chunks, multilingual_sentences)
