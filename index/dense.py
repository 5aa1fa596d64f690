"""Dense index stage: FAISS inner product over normalised vectors (= cosine similarity)."""

from __future__ import annotations

import math
import os
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
    stored as float32, float16 or 8-bit codes (`STORAGE`).

    An IVF index may be opened memory-mapped (`load(path, mapped=True)`): its inverted lists stay in
    the file and the OS pages in the lists a query probes, instead of the process holding every code
    (about 3 GB at a million chunks with their sentences and both legs). Mapped lists are read-only,
    and FAISS aborts the process on a write to them, so rows added later go to a small exact `tail`
    searched beside the base; a full save folds the tail in."""

    def __init__(self, index: faiss.Index, mapped_from: MappedFile | None = None, tail: faiss.Index | None = None
                 ) -> None:
        self._index = index
        self._mapped_from = mapped_from  # the file the base's lists are mapped from, or None
        self._tail = tail  # float32 rows after the mapped base (ids from base.ntotal on), or None
        if self._ivf is not None and tail is None:  # a tail's base has its map already, and readers use it
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
        return int(self._index.ntotal) + (int(self._tail.ntotal) if self._tail is not None else 0)

    @property
    def mapped(self) -> bool:
        return self._mapped_from is not None

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
        if self._tail is None or not self._tail.ntotal:
            return _search(self._index, self._ivf, query, k, allowed)
        base = int(self._index.ntotal)
        in_base = None if allowed is None else allowed[allowed < base]
        in_tail = None if allowed is None else allowed[allowed >= base] - base
        scores_b, ids_b = _search(self._index, self._ivf, query, k, in_base)
        scores_t, ids_t = _search(self._tail, None, query, k, in_tail)
        scores, ids = np.concatenate([scores_b, scores_t]), np.concatenate([ids_b, ids_t + base])
        best = np.argsort(-scores, kind="stable")[:k]
        return scores[best], ids[best]

    def rows(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of some rows, read from the index itself: no second copy in memory
        (at 1M chunks the sentence vectors alone are ~5 GB)."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._tail is None:
            return self._index.reconstruct_batch(ids)
        base = int(self._index.ntotal)
        out = np.empty((len(ids), self.dimension), dtype=np.float32)
        in_base = ids < base
        if in_base.any():
            out[in_base] = self._index.reconstruct_batch(ids[in_base])
        if not in_base.all():
            out[~in_base] = self._tail.reconstruct_batch(ids[~in_base] - base)
        return out

    def matrix(self) -> np.ndarray:
        """All stored vectors as one (n, d) array, for scoring a few known rows without a search."""
        if not self.size:
            return np.zeros((0, self.dimension), np.float32)
        return self.rows(np.arange(self.size, dtype=np.int64))

    def with_added(self, vectors: np.ndarray) -> DenseIndex:
        """A new index holding this one's vectors and `vectors` after them; this one is untouched,
        so readers of it never see a half-applied write. A mapped base is shared, not copied: the
        rows go to a new tail."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self._mapped_from is not None:
            tail = faiss.clone_index(self._tail) if self._tail is not None else faiss.IndexFlatIP(self.dimension)
            tail.add(vectors)
            return DenseIndex(self._index, self._mapped_from, tail)
        index = faiss.clone_index(self._index)
        index.add(vectors)
        return DenseIndex(index)

    def without_rows(self, keep: np.ndarray, approximate_threshold: int, ivf: IvfParams = IvfParams()
                     ) -> DenseIndex:
        """A new index of the kept rows, renumbered in order, from the stored vectors (no re-embedding)."""
        return DenseIndex.build(self.matrix()[keep], approximate_threshold, ivf, self.storage)

    def save(self, path: Path) -> None:
        """Write every row. A mapped base is its file: copied as it is, or read whole once to fold a
        tail in (its rows then take the base's storage, as an unmapped write would have given them)."""
        if self._mapped_from is None:
            faiss.write_index(self._index, str(path))
        else:
            self._mapped_from.copy_to(path)
            if self._tail is not None and self._tail.ntotal:
                index = faiss.read_index(str(path))
                index.add(self._tail.reconstruct_n(0, self._tail.ntotal))
                faiss.write_index(index, str(path))

    def set_nprobe(self, nprobe: int) -> None:
        """IVF lists searched per query (a search-time knob; no effect on an exact index)."""
        if self._ivf is not None:
            self._ivf.nprobe = nprobe

    @classmethod
    def load(cls, path: Path, mapped: bool = False) -> DenseIndex:
        """`mapped`: map an IVF index's lists from the file instead of reading them (an exact index is
        small and always read)."""
        if not mapped:
            return cls(faiss.read_index(str(path)))
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        ivf = faiss.try_extract_index_ivf(index) if not isinstance(index, faiss.IndexFlat) else None
        lists = faiss.downcast_InvertedLists(ivf.invlists) if ivf is not None else None
        if not isinstance(lists, faiss.OnDiskInvertedLists):
            return cls(index)
        # FAISS starts up to 32 threads per search to page the probed lists in ahead: 0.57 ms a search
        # here, which made a mapped search 2.7x a read one (0.91 / 0.34 ms at 254k vectors); without
        # them it is as fast (0.33 ms), the OS paging a list in on its first touch.
        lists.prefetch_nthread = 0
        return cls(index, MappedFile(path))


class MappedFile:
    """An open handle on a mapped index file: a later write removes the build directory it came from,
    and a full save must still copy it (the mapping and this handle keep the data alive)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd = os.open(path, os.O_RDONLY)

    def copy_to(self, path: Path) -> None:
        with open(path, "wb") as out:
            offset = 0
            while block := os.pread(self._fd, 1 << 24, offset):
                out.write(block)
                offset += len(block)

    def __del__(self) -> None:
        os.close(self._fd)


def _search(index: faiss.Index, ivf, query: np.ndarray, k: int, allowed: np.ndarray | None
            ) -> tuple[np.ndarray, np.ndarray]:
    k = min(k, int(index.ntotal) if allowed is None else int(allowed.size))
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    params = None
    if allowed is not None:
        selector = faiss.IDSelectorBatch(allowed)
        params = (faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe) if ivf is not None
                  else faiss.SearchParameters(sel=selector))
    scores, ids = index.search(query, k, params=params)
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]
