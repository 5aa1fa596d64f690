"""Embed stage: text -> L2-normalised vectors. The index only sees the one-method `Embedder` protocol."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Anything that turns texts into normalised float32 row vectors of a fixed dimension."""

    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model directory), loaded from disk only."""

    def __init__(self, model_path: Path, batch_size: int = 32, threads: int = 1) -> None:
        # Imported here: `import sentence_transformers` costs seconds, and commands like
        # `runri index status` must not pay it. Offline flags: the weights are local, never fetched.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        # One intra-op thread: a short query is too small to split, and on a busy 2-core machine two
        # OpenMP threads spin against each other (measured: 8.5 ms with 1 thread, 480 ms with 2).
        torch.set_num_threads(threads)

        if not (model_path / "modules.json").exists():
            raise FileNotFoundError(f"no sentence-transformers model in {model_path}")
        self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        self.batch_size = batch_size
        self.name = model_path.name if model_path.name != "model" else model_path.parent.name
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=2)
def load_embedder(model_path: Path, batch_size: int = 32, threads: int = 1) -> SentenceTransformerEmbedder:
    """One model per process: the service, the CLI and the whole test session share it."""
    return SentenceTransformerEmbedder(model_path, batch_size, threads)


class CachedQueryEmbedder:
    """An LRU cache in front of an embedder for single queries: a repeated question (a retry, the
    eval's several modes, a popular query) skips the model entirely."""

    def __init__(self, embedder: Embedder, size: int = 1024) -> None:
        self._embedder = embedder
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
                return vector
        vector = self._embedder.embed([text])[0]
        vector.setflags(write=False)
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return vector
