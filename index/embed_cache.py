"""Embeddings cached by text hash, so a rebuild embeds only the texts that changed.

One folder per model (its config hash, precision and batch arithmetic: another model never reads these vectors), two
files: `keys.npy` (16-byte BLAKE2 digests of the texts) and `vectors.npy` (float32 rows, exactly what
the model returned). `save()` keeps only the texts the last build used, so the cache follows the
corpus instead of growing forever, and writes both files atomically (a crash leaves the old cache).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.embed import Embedder


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class CachedEmbedder:
    """An `Embedder` that looks each text up first and embeds only the misses, each once. The model
    can be given as a function that loads it: a rebuild that misses nothing never loads it."""

    def __init__(self, embedder: Embedder | Callable[[], Embedder], folder: Path, dimension: int | None = None,
                 name: str = "cached") -> None:
        self._embedder = embedder if dimension is None else None
        self._load = None if dimension is None else embedder
        self.name = embedder.name if dimension is None else name
        self.dimension = embedder.dimension if dimension is None else dimension
        self.folder = folder
        self._rows: dict[bytes, np.ndarray] = _read(folder, self.dimension)
        self._used: set[bytes] = set()
        self.hits = self.misses = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        missing = {key: text for key, text in zip(keys, texts) if key not in self._rows}
        if missing:
            if self._embedder is None:
                self._embedder = self._load()
            vectors = self._embedder.embed(list(missing.values()))
            self._rows.update(zip(missing, vectors))
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        self._used.update(keys)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._rows[key] for key in keys]).astype(np.float32, copy=False)

    def save(self) -> None:
        """Keep what this build used; write keys and vectors atomically."""
        keys = sorted(self._used)
        self.folder.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex[:8]
        matrix = (np.vstack([self._rows[k] for k in keys]) if keys
                  else np.zeros((0, self.dimension), np.float32)).astype(np.float32)
        tmp = self.folder / f".cache-{tag}.tmp"
        tmp.mkdir()
        np.save(tmp / "keys.npy", np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 16))
        np.save(tmp / "vectors.npy", matrix)
        current = self.folder / "current"
        link = self.folder / f".current-{tag}"
        os.symlink(tmp.name, link)
        previous = os.readlink(current) if current.is_symlink() else None
        os.replace(link, current)
        if previous and previous != tmp.name:
            _remove(self.folder / previous)


def cache_folder(root: Path, model_sha256: str, precision: str, compute: str = "float32") -> Path:
    """One folder per model and arithmetic: a float32 build never reads vectors a bfloat16 one computed."""
    return root / (f"{model_sha256[:16]}-{precision}" + ("" if compute == "float32" else f"-{compute}"))


def _read(folder: Path, dimension: int) -> dict[bytes, np.ndarray]:
    current = folder / "current"
    try:
        keys = np.load(current / "keys.npy")
        vectors = np.load(current / "vectors.npy")
    except (OSError, ValueError):
        return {}  # no cache yet, or an unreadable one: embed everything
    if vectors.ndim != 2 or vectors.shape[1] != dimension or len(keys) != len(vectors):
        return {}
    return {bytes(key): row for key, row in zip(keys, vectors)}


def _remove(path: Path) -> None:
    for child in path.glob("*"):
        child.unlink(missing_ok=True)
    path.rmdir()
