"""A deterministic small embedder for unit tests where the model is not the point.

A text is the bag of its index tokens (the lexical leg's own tokenizer: stemmed, stopwords dropped),
each token hashed with crc32 (stable across processes, unlike `hash()`) into one of DIMENSION
buckets, then L2-normalised: the cosine of two texts is their word overlap, which a test can work
out by hand. A few synonyms share a bucket, so the dense leg finds a paraphrase that shares no word
with the query, as the real model does. It implements `index.embed.Embedder`; `MODEL_DIR` is its
identity for `Settings.model_path`, so an index built with it is fingerprinted as its own and never
loaded under the real model.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from index.lexical import tokenize

DIMENSION = 4096
MODEL_DIR = Path(__file__).parent / "data" / "hashing_model"
# Stemmed token -> the token whose bucket it shares ("smuggle funds" means "carry money").
SYNONYMS = {"smuggl": "carri", "fund": "money"}


class HashingEmbedder:
    name = "hashing-embedder"
    dimension = DIMENSION

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                vectors[row, bucket(SYNONYMS.get(token, token))] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=vectors, where=norms > 0)


def bucket(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) % DIMENSION


class CountingEmbedder(HashingEmbedder):
    """Counts what it is asked to embed: tests prove that only new text reaches the model."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts):
        self.texts += texts
        return super().embed(texts)
