"""Dense index stage: FAISS inner product over normalised vectors (= cosine similarity)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np


@dataclass(frozen=True, slots=True)
class IvfParams:
    """IVF above the threshold, chosen from bench/scale.py's curves (synthetic chunks, 1 thread): at 1M
    vectors nlist = 4 sqrt(n), where HNSW (M 32, efConstruction 80) peaked at 0.933. nprobe 16: on the
    118 real question vectors alone, 8 lists gave recall@10 0.939 with 8-bit codes (the default storage
    at that size), 16 gave 0.964 at 0.72 ms."""

    nlist_per_sqrt_n: float = 4.0
    nprobe: int = 16


# How each vector is stored: float32 as given, float16 (half the memory, cosines move by ~1e-4), or
# 8-bit scalar quantization (a quarter; recall cost measured in bench/scale.py, see README).
STORAGE = {"float32": "Flat", "float16": "SQfp16", "sq8": "SQ8"}
_QTYPE_STORAGE = {faiss.ScalarQuantizer.QT_fp16: "float16", faiss.ScalarQuantizer.QT_8bit: "sq8"}


class DenseIndex:
    """Exact search for small corpora; IVF above `approximate_threshold` vectors; either with rows
    stored as float32, float16 or 8-bit codes (`STORAGE`)."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index
        if self._ivf is not None:
            self._ivf.make_direct_map()  # lets rows() and matrix() find a row by id in the inverted lists

    @classmethod
    def build(cls, vectors: np.ndarray, approximate_threshold: int, ivf: IvfParams = IvfParams(),
              storage: str = "float32") -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dimension = vectors.shape[1]
        if storage == "auto":  # exact float32 while small; 8-bit codes once IVF is needed (README, Scale)
            storage = "sq8" if len(vectors) > approximate_threshold else "float32"
        if len(vectors) > approximate_threshold:
            nlist = max(1, int(ivf.nlist_per_sqrt_n * math.sqrt(len(vectors))))
            index = faiss.index_factory(dimension, f"IVF{nlist},{STORAGE[storage]}", faiss.METRIC_INNER_PRODUCT)
            index.nprobe = ivf.nprobe
        elif storage == "float32":
            index = faiss.IndexFlatIP(dimension)
        else:
            index = faiss.index_factory(dimension, STORAGE[storage], faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            index.train(vectors)
        index.add(vectors)
        return cls(index)

    @property
    def storage(self) -> str:
        inner = self._ivf if self._ivf is not None else self._index
        sq = getattr(faiss.downcast_index(inner), "sq", None)
        return _QTYPE_STORAGE.get(sq.qtype, "float32") if sq is not None else "float32"

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @property
    def kind(self) -> str:
        return "ivf" if self._ivf is not None else "flat"

    @property
    def _ivf(self):
        return faiss.try_extract_index_ivf(self._index) if not isinstance(self._index, faiss.IndexFlat) else None

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, row ids) for one query vector, best first; FAISS's -1 padding removed.
        `allowed`: search only these row ids (filters)."""
        k = min(k, self.size if allowed is None else int(allowed.size))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(allowed)
            ivf = self._ivf
            params = (faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe) if ivf is not None
                      else faiss.SearchParameters(sel=selector))
        scores, ids = self._index.search(query, k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def rows(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of some rows, read from the index itself: no second copy in memory
        (at 1M chunks the sentence vectors alone are ~5 GB)."""
        return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def matrix(self) -> np.ndarray:
        """All stored vectors as one (n, d) array, for scoring a few known rows without a search."""
        if not self.size:
            return np.zeros((0, self.dimension), np.float32)
        return self._index.reconstruct_n(0, self.size)

    def with_added(self, vectors: np.ndarray) -> DenseIndex:
        """A new index holding this one's vectors and `vectors` after them; this one is untouched,
        so readers of it never see a half-applied write."""
        index = faiss.clone_index(self._index)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return DenseIndex(index)

    def without_rows(self, keep: np.ndarray, approximate_threshold: int, ivf: IvfParams = IvfParams()
                     ) -> DenseIndex:
        """A new index of the kept rows, renumbered in order, from the stored vectors (no re-embedding)."""
        return DenseIndex.build(self.matrix()[keep], approximate_threshold, ivf, self.storage)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    def set_nprobe(self, nprobe: int) -> None:
        """IVF lists searched per query (a search-time knob; no effect on an exact index)."""
        if self._ivf is not None:
            self._ivf.nprobe = nprobe

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(faiss.read_index(str(path)))
