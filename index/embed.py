"""Embed stage: text -> L2-normalised vectors. The index only sees the one-method `Embedder` protocol."""

from __future__ import annotations

import os
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

    def __init__(self, model_path: Path, batch_size: int = 32) -> None:
        # Imported here: `import sentence_transformers` costs seconds, and commands like
        # `runri index status` must not pay it. Offline flags: the weights are local, never fetched.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

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
def load_embedder(model_path: Path, batch_size: int = 32) -> SentenceTransformerEmbedder:
    """One model per process: the service, the CLI and the whole test session share it."""
    return SentenceTransformerEmbedder(model_path, batch_size)
