"""Build pipeline: documents -> chunks + sentences -> vectors -> FAISS + BM25, with a manifest."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.backend import FaissBackend
from index.chunk import ChunkerSettings, chunk_documents
from index.corpus import Document
from index.dense import DenseIndex, IvfParams
from index.embed import Embedder
from index.lexical import LexicalIndex
from index.manifest import FORMAT_VERSION, Fingerprint, Manifest, library_versions, model_info, utc_now
from index.multilingual import MultilingualVectors, multilingual_model_info
from index.rows import ChunkRows, SentenceRows
from index.sentences import Sentence, split_sentences
from index.store import CorpusIndex


@dataclass(frozen=True, slots=True)
class BuildParams:
    chunker: ChunkerSettings
    approximate_threshold: int
    ivf: IvfParams = IvfParams()
    precision: str = "float32"
    milvus: object | None = None  # an index.milvus.MilvusConfig: build into Milvus instead of FAISS
    chunk_storage: str = "auto"  # see index.dense.STORAGE
    sentence_storage: str = "auto"
    compute: str = "float32"  # how the MiniLM batches were computed, recorded in the manifest

    @property
    def backend(self) -> str:
        return "faiss" if self.milvus is None else "milvus"


def fingerprint(documents: dict[str, Document], model_path: Path, chunker: ChunkerSettings,
                precision: str = "float32", backend: str = "faiss", multilingual: bool = False) -> Fingerprint:
    """`multilingual`: the index carries the cross-lingual leg (USE vectors of chunks and sentences)."""
    return Fingerprint(
        format_version=FORMAT_VERSION,
        backend=backend,
        model=model_info(model_path, precision),
        multilingual_model=multilingual_model_info() if multilingual else None,
        chunker=chunker.as_dict(),
        documents={doc_id: doc.sha256 for doc_id, doc in sorted(documents.items())},
    )


def build_index(
    documents: dict[str, Document],
    embedder: Embedder,
    model_path: Path,
    params: BuildParams,
    progress: bool = False,
    added_ids: frozenset[str] = frozenset(),
    multilingual_embedder: Embedder | None = None,
) -> CorpusIndex:
    """`multilingual_embedder`: also embed chunks and sentences for the cross-lingual leg."""
    started = time.perf_counter()
    ordered = [documents[doc_id] for doc_id in sorted(documents)]
    chunks = chunk_documents(ordered, params.chunker)
    sentences = [
        Sentence(0, doc.id, span.start, span.end) for doc in ordered for span in split_sentences(doc.text)
    ]
    sentences = [Sentence(i, s.doc_id, s.start, s.end) for i, s in enumerate(sentences)]
    matrix = _embed(embedder, [c.text for c in chunks] + [documents[s.doc_id].text[s.start:s.end]
                                                          for s in sentences], progress)
    chunk_matrix, sentence_matrix = matrix[: len(chunks)], matrix[len(chunks):]
    multilingual = None
    if multilingual_embedder is not None:
        both = _embed(multilingual_embedder, [c.text for c in chunks] + [documents[s.doc_id].text[s.start:s.end]
                                                                        for s in sentences], progress)
        multilingual = MultilingualVectors.build(both[: len(chunks)], both[len(chunks):],
                                                 params.approximate_threshold, params.ivf, params.chunk_storage,
                                                 params.sentence_storage)
    chunk_rows, sentence_rows = ChunkRows.of(chunks, documents), SentenceRows.of(sentences)  # shared
    if params.milvus is None:
        backend = FaissBackend(DenseIndex.build(chunk_matrix, params.approximate_threshold, params.ivf,
                                                params.chunk_storage),
                               DenseIndex.build(sentence_matrix, params.approximate_threshold, params.ivf,
                                                params.sentence_storage),
                               LexicalIndex.build([c.text for c in chunks]), chunk_rows, sentence_rows, documents)
        collections = {}
    else:
        from index.milvus import MilvusBackend, write_new_collections

        collections = write_new_collections(params.milvus, documents, chunks, sentences, chunk_matrix,
                                            sentence_matrix)
        kind = "ivf" if len(chunks) > params.approximate_threshold else "flat"
        backend = MilvusBackend(params.milvus, collections, chunks, sentences, kind, params.ivf.nprobe,
                                publish_names=True)
    manifest = Manifest(
        fingerprint=fingerprint(documents, model_path, params.chunker, params.precision, params.backend,
                                multilingual=multilingual is not None),
        counts={"documents": len(documents), "chunks": len(chunks), "sentences": len(sentences),
                **backend.counts(), **(multilingual.counts() if multilingual is not None else {})},
        dense_kind=backend.dense_kind,
        collections=collections,
        files={},
        library_versions=library_versions(),
        build_seconds=round(time.perf_counter() - started, 3),
        built_at=utc_now(),
        build_compute=params.compute,
    )
    return CorpusIndex(manifest, documents, chunk_rows, sentence_rows, backend, added_ids,
                       multilingual=multilingual)


def _embed(embedder: Embedder, texts: list[str], progress: bool, group: int = 512) -> np.ndarray:
    """Each distinct text embedded once (a one-sentence paragraph is both a chunk and a sentence),
    shortest first so batches hold texts of similar length, in groups so a progress bar can show
    how far the build is and its throughput in KB of text per second."""
    from tqdm import tqdm

    unique = sorted(dict.fromkeys(texts), key=len)
    row_of = {text: i for i, text in enumerate(unique)}
    matrix = np.zeros((len(unique), embedder.dimension), dtype=np.float32)
    started, done_bytes = time.perf_counter(), 0
    with tqdm(total=len(unique), desc="embedding", unit="text", disable=not progress) as bar:
        for start in range(0, len(unique), group):
            part = unique[start:start + group]
            matrix[start:start + len(part)] = embedder.embed(part)
            done_bytes += sum(len(t.encode("utf-8")) for t in part)
            bar.set_postfix_str(f"{done_bytes / 1024 / max(time.perf_counter() - started, 1e-9):.1f} KB/s")
            bar.update(len(part))
    return matrix[[row_of[t] for t in texts]] if texts else np.zeros((0, embedder.dimension), np.float32)
