"""The chunk and sentence rows of an index as int arrays, handed out as `Chunk` / `Sentence` on access.

A row is (document, start, end); its id is its position. Held as Python objects, a million chunks
with their texts and 2.5 million sentences took about 2.5 GB (250 MB measured at 100k chunks); as
three int32 arrays and one table of document ids they take 12 bytes a row, and a chunk's text is cut
from its document when asked for. Each document's rows are one contiguous block (a build writes
them document by document, a write appends or removes a whole document), which is what lets
`block` and `sentences_in` answer without scanning.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar

import numpy as np

from index.chunk import Chunk
from index.corpus import Document
from index.sentences import Sentence

Row = TypeVar("Row", Chunk, Sentence)


class _Rows(Sequence, Generic[Row]):
    """Rows in id order; immutable: a write builds new rows (`extended`, `without`)."""

    __slots__ = ("_names", "_doc_of", "_starts", "_ends", "_blocks")

    def __init__(self, names: Sequence[str], doc_of: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        self._names = tuple(names)
        self._doc_of = np.ascontiguousarray(doc_of, dtype=np.int32)
        self._starts = np.ascontiguousarray(starts, dtype=np.int32)
        self._ends = np.ascontiguousarray(ends, dtype=np.int32)
        if not len(self._doc_of) == len(self._starts) == len(self._ends):
            raise ValueError("rows need as many documents, starts and ends")
        self._blocks = _blocks(self._names, self._doc_of)

    @classmethod
    def from_spans(cls, doc_ids: Iterable[str], starts: Iterable[int], ends: Iterable[int], **extra):
        names: dict[str, int] = {}
        doc_of = np.fromiter((names.setdefault(d, len(names)) for d in doc_ids), dtype=np.int32)
        return cls(list(names), doc_of, np.fromiter(starts, np.int32), np.fromiter(ends, np.int32), **extra)

    def _make(self, row: int) -> Row:
        raise NotImplementedError

    def _like(self, names: Sequence[str], doc_of: np.ndarray, starts: np.ndarray, ends: np.ndarray):
        return type(self)(names, doc_of, starts, ends)

    def __len__(self) -> int:
        return len(self._doc_of)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self._make(i) for i in range(*key.indices(len(self)))]
        return self._make(range(len(self))[int(key)])  # a list's rules: -1 is the last, IndexError past the end

    def __iter__(self) -> Iterator[Row]:
        return (self._make(i) for i in range(len(self)))

    def doc_id(self, row: int) -> str:
        return self._names[self._doc_of[row]]

    def block(self, doc_id: str) -> range:
        """The rows of `doc_id`, in order (empty for an unknown document)."""
        first, end = self._blocks.get(doc_id, (0, 0))
        return range(first, end)

    def rows_of(self, doc_ids: Iterable[str]) -> np.ndarray:
        """The rows of these documents, in id order (int64, as FAISS takes them)."""
        blocks = sorted(self._blocks[d] for d in doc_ids if d in self._blocks)
        return (np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in blocks]) if blocks
                else np.zeros(0, dtype=np.int64))

    def without_mask(self, doc_id: str) -> np.ndarray:
        """True for every row not of `doc_id`: what a removal keeps."""
        keep = np.ones(len(self), dtype=bool)
        rows = self.block(doc_id)
        keep[rows.start:rows.stop] = False
        return keep

    def extended(self, doc_id: str, spans: Sequence[tuple[int, int]], **extra):
        """These rows and `doc_id`'s spans after them (a document added by a write)."""
        if doc_id in self._blocks:
            raise ValueError(f"{doc_id} already has rows")
        names = [*self._names, doc_id]
        added = np.asarray(spans, dtype=np.int32).reshape(-1, 2)
        return self._like(names, np.concatenate([self._doc_of, np.full(len(added), len(names) - 1, np.int32)]),
                          np.concatenate([self._starts, added[:, 0]]), np.concatenate([self._ends, added[:, 1]]),
                          **extra)

    def without(self, doc_id: str, **extra):
        """These rows less `doc_id`'s, renumbered in order."""
        keep = self.without_mask(doc_id)
        return self._like(self._names, self._doc_of[keep], self._starts[keep], self._ends[keep], **extra)

    def spans(self) -> Iterator[tuple[int, str, int, int]]:
        """(id, doc_id, start, end) of every row, without making row objects or cutting texts."""
        names = self._names
        for row, (d, s, e) in enumerate(zip(self._doc_of.tolist(), self._starts.tolist(), self._ends.tolist())):
            yield row, names[d], s, e


class SentenceRows(_Rows[Sentence]):
    __slots__ = ()

    @classmethod
    def of(cls, sentences: Iterable[Sentence]) -> SentenceRows:
        rows = list(sentences)
        _check_ids(rows)
        return cls.from_spans((s.doc_id for s in rows), (s.start for s in rows), (s.end for s in rows))

    def _make(self, row: int) -> Sentence:
        return Sentence(row, self._names[self._doc_of[row]], int(self._starts[row]), int(self._ends[row]))

    def overlapping(self, doc_id: str, start: int, end: int) -> range:
        """The rows of `doc_id` that overlap [start, end), in order."""
        rows = self.block(doc_id)
        starts = self._starts[rows.start:rows.stop]
        lo = max(int(np.searchsorted(starts, start, side="right")) - 1, 0)
        hi = int(np.searchsorted(starts, end, side="left"))
        while lo < hi and self._ends[rows.start + lo] <= start:
            lo += 1
        return range(rows.start + lo, rows.start + hi)


class ChunkRows(_Rows[Chunk]):
    """Chunk rows; a chunk's text is `documents[doc_id].text[start:end]`, cut on access."""

    __slots__ = ("_documents",)

    def __init__(self, names: Sequence[str], doc_of: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 documents: Mapping[str, Document]) -> None:
        super().__init__(names, doc_of, starts, ends)
        self._documents = documents

    @classmethod
    def of(cls, chunks: Iterable[Chunk], documents: Mapping[str, Document]) -> ChunkRows:
        rows = list(chunks)
        _check_ids(rows)
        return cls.from_spans((c.doc_id for c in rows), (c.start for c in rows), (c.end for c in rows),
                              documents=documents)

    def _like(self, names, doc_of, starts, ends, documents: Mapping[str, Document] | None = None) -> ChunkRows:
        return ChunkRows(names, doc_of, starts, ends, self._documents if documents is None else documents)

    def _make(self, row: int) -> Chunk:
        doc_id, start, end = self._names[self._doc_of[row]], int(self._starts[row]), int(self._ends[row])
        return Chunk(row, doc_id, start, end, self._documents[doc_id].text[start:end])

    def text_chars(self) -> int:
        return int(np.sum(self._ends - self._starts, dtype=np.int64))


def _blocks(names: tuple[str, ...], doc_of: np.ndarray) -> dict[str, tuple[int, int]]:
    """Each document's [first, end) rows; refuses rows whose document is split in two places."""
    if not len(doc_of):
        return {}
    edges = np.flatnonzero(np.diff(doc_of)) + 1
    firsts = np.concatenate([[0], edges]).tolist()
    ends = np.concatenate([edges, [len(doc_of)]]).tolist()
    blocks: dict[str, tuple[int, int]] = {}
    for first, end in zip(firsts, ends):
        name = names[int(doc_of[first])]
        if name in blocks:
            raise ValueError(f"the rows of {name} are not contiguous (rows {blocks[name]} and from {first})")
        blocks[name] = (first, end)
    return blocks


def _check_ids(rows: Sequence[Chunk] | Sequence[Sentence]) -> None:
    for position, row in enumerate(rows):
        if row.id != position:
            raise ValueError(f"row {position} has id {row.id}: ids must be the rows' positions")
