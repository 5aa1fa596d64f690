"""Dense index stage: FAISS inner product over normalised vectors (= cosine similarity)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np


@dataclass(frozen=True, slots=True)
class HnswParams:
    m: int = 32
    ef_construction: int = 80
    ef_search: int = 64


class DenseIndex:
    """Exact search (IndexFlatIP) for small corpora; HNSW above `approximate_threshold` vectors."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray, approximate_threshold: int, hnsw: HnswParams = HnswParams()) -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dimension = vectors.shape[1]
        if len(vectors) > approximate_threshold:
            index = faiss.IndexHNSWFlat(dimension, hnsw.m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = hnsw.ef_construction
            index.hnsw.efSearch = hnsw.ef_search
        else:
            index = faiss.IndexFlatIP(dimension)
        index.add(vectors)
        return cls(index)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self._index, faiss.IndexHNSW) else "flat"

    def search(self, query: np.ndarray, k: int, params: faiss.SearchParameters | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, row ids) for one query vector, best first; FAISS's -1 padding removed.
        `params` can carry an IDSelector to search only some rows (filters)."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self._index.search(query, k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def matrix(self) -> np.ndarray:
        """All stored vectors as one (n, d) array, for scoring a few known rows without a search."""
        return self._index.reconstruct_n(0, self.size) if self.size else np.zeros((0, self.dimension), np.float32)

    def with_added(self, vectors: np.ndarray) -> DenseIndex:
        """A new index holding this one's vectors and `vectors` after them; this one is untouched,
        so readers of it never see a half-applied write."""
        index = faiss.clone_index(self._index)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return DenseIndex(index)

    def without_rows(self, keep: np.ndarray, approximate_threshold: int, hnsw: HnswParams = HnswParams()
                     ) -> DenseIndex:
        """A new index of the kept rows, renumbered in order, from the stored vectors (no re-embedding)."""
        return DenseIndex.build(self.matrix()[keep], approximate_threshold, hnsw)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, ef_search: int | None = None) -> DenseIndex:
        index = faiss.read_index(str(path))
        if ef_search is not None and isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = ef_search
        return cls(index)
