"""Lexical index stage: BM25 (bm25s) over the same chunks, with a tokenizer that handles CJK and numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Numbers keep their separators ("870,000", "45.4"); CJK runs are one match; other words are \w runs.
_TOKEN = re.compile(rf"\d+(?:[.,]\d+)*|[{_CJK}]+|[^\W\d_{_CJK}]+", re.UNICODE)
# bm25s' English list lacks question words; in a question they carry no topic ("Who is Jasper Koll?").
_STOPWORDS = frozenset(STOPWORDS_EN) | {"who", "whom", "whose", "what", "which", "when", "where", "why", "how",
                                        "does", "did", "do", "many", "much"}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, accent-folded, stemmed words without stopwords; numbers without thousands
    separators ("870,000" -> "870000"); CJK text as single characters plus character bigrams,
    so "潤日" matches both "潤日" and "潤"."""
    return list(_tokenized(text))


@lru_cache(maxsize=65_536)
def _tokenized(text: str) -> tuple[str, ...]:
    """Remembered: every live write builds a new engine, whose scorers tokenize every sentence of the
    corpus again; with this only the new ones cost anything. A tuple, so no caller can change it."""
    return tuple(_tokens(text))


def _tokens(text: str) -> list[str]:
    stem = _stemmer().stemWord
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0].isdigit():
            tokens.append(token.replace(",", ""))
        elif "\u3040" <= token[0] <= "\ufaff":
            tokens.extend(token)
            tokens.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            word = _fold(token)
            if len(word) > 1 and word not in _STOPWORDS:
                tokens.append(stem(word))
    return tokens


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


TOKEN_IDS = "chunk_token_ids.npy"  # each chunk's tokens as ids of the BM25 vocabulary, one run after another
TOKEN_OFFSETS = "chunk_token_offsets.npy"  # where each chunk's run starts (one more entry than chunks)


class ChunkTokens:
    """Every chunk's tokens, in order, as ids of the BM25 vocabulary (CSR: 4 bytes a token): what a write
    needs to build BM25 again without tokenizing the corpus. Saved beside BM25 and read back mapped, so
    the first write after a start no longer tokenizes every chunk (34 s at 100k chunks), and a served
    process holds no token lists (as interned strings they took about 9 bytes a token more)."""

    __slots__ = ("ids", "offsets")

    def __init__(self, ids: np.ndarray, offsets: np.ndarray) -> None:
        self.ids, self.offsets = ids, offsets

    @classmethod
    def of(cls, token_lists: list[list[int]]) -> ChunkTokens:
        lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        ids = np.fromiter((j for t in token_lists for j in t), dtype=np.int32, count=int(offsets[-1]))
        return cls(ids, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lists(self, vocabulary_size: int) -> list[list[int]]:
        """One list of ids per chunk, as bm25s takes them, sharing one int object per id: a fresh int
        per token would take 28 bytes more (1.7 GB at a million chunks)."""
        pool = list(range(vocabulary_size)).__getitem__
        ids, bounds = self.ids, self.offsets.tolist()
        return [list(map(pool, ids[a:b].tolist())) for a, b in zip(bounds[:-1], bounds[1:])]

    def then(self, more: ChunkTokens) -> ChunkTokens:
        return ChunkTokens(np.concatenate([self.ids, more.ids]),
                           np.concatenate([self.offsets[:-1], more.offsets + self.offsets[-1]]))

    def kept(self, keep: np.ndarray) -> ChunkTokens:
        """The chunks where `keep` is True, in order."""
        lengths = np.diff(self.offsets)[keep]
        mask = np.repeat(keep, np.diff(self.offsets))
        return ChunkTokens(np.ascontiguousarray(self.ids[mask]), np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))

    def save(self, directory: Path) -> None:
        np.save(directory / TOKEN_IDS, self.ids)
        np.save(directory / TOKEN_OFFSETS, self.offsets)

    @classmethod
    def load(cls, directory: Path) -> ChunkTokens | None:
        """Mapped, so a served process reads the pages only when a write needs them; None for an index
        saved before the tokens were (its first write tokenizes the chunks, as it always did)."""
        try:
            return cls(np.load(directory / TOKEN_IDS, mmap_mode="r"), np.load(directory / TOKEN_OFFSETS, mmap_mode="r"))
        except FileNotFoundError:
            return None


class LexicalIndex:
    """BM25 scores over every chunk; a query's unknown words simply score nothing."""

    def __init__(self, bm25: bm25s.BM25, size: int, tokens: ChunkTokens | None = None) -> None:
        self._bm25 = bm25
        self.size = size
        self._tokens = tokens  # each chunk's token ids, so a write re-tokenizes only its own chunks

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        return cls.from_tokens([_tokens_of(t) for t in texts])

    @classmethod
    def from_tokens(cls, tokens: list[list[str]], vocabulary: dict[str, int] | None = None,
                    known: ChunkTokens | None = None) -> LexicalIndex:
        """BM25 over `known` chunks (ids of `vocabulary`) followed by `tokens`' chunks. Ids only number
        the columns: a chunk's scores are the same whatever ids its tokens get."""
        vocabulary = dict(vocabulary or {})
        # bm25s needs at least one token per document; "" is its placeholder for an empty one.
        added = ChunkTokens.of([[vocabulary.setdefault(t, len(vocabulary)) for t in (chunk or [""])]
                                for chunk in tokens])
        every = known.then(added) if known is not None else added
        bm25 = bm25s.BM25()
        bm25.index((every.lists(len(vocabulary)), vocabulary), show_progress=False)
        return cls(bm25, len(every), every)

    def with_added(self, new_texts: list[str], known_texts: Callable[[], list[str]]) -> LexicalIndex:
        """The index over this index's chunks followed by `new_texts`. bm25s cannot add documents (every
        score depends on the corpus statistics), so it is rebuilt, but only the new chunks are tokenized.
        `known_texts` (this index's chunks' texts) is read only by an index saved before chunk token ids
        were: making every chunk's text took 0.25 s a write at 100k chunks."""
        # bm25s' vocabulary holds the "" it adds past its last column: one empty column at most.
        return LexicalIndex.from_tokens([_tokens_of(t) for t in new_texts], self._bm25.vocab_dict,
                                        self._known_tokens(known_texts))

    def without_rows(self, keep: np.ndarray, kept_texts: Callable[[], list[str]]) -> LexicalIndex:
        """The index over the kept chunks, re-tokenizing nothing it knows (`kept_texts`, their texts in
        order, is read only by an index saved before chunk token ids were)."""
        if self._tokens is None:
            return LexicalIndex.build(kept_texts())
        return LexicalIndex.from_tokens([], self._bm25.vocab_dict, self._tokens.kept(keep))

    def _known_tokens(self, texts: Callable[[], list[str]]) -> ChunkTokens:
        if self._tokens is None:  # saved before chunk tokens were: tokenized once, at the first write
            vocabulary = self._bm25.vocab_dict
            self._tokens = ChunkTokens.of([[vocabulary[t] for t in (_tokens_of(text) or [""])] for text in texts()])
        return self._tokens

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no query word is in the vocabulary)."""
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, row ids), best first; chunks scoring 0 are not matches and are left out."""
        return top_k(self.scores(query), k)

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory), show_progress=False)
        if self._tokens is not None:
            self._tokens.save(directory)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(directory), mmap=False, show_progress=False)
        if int(bm25.scores["num_docs"]) != size:
            raise ValueError(f"BM25 index holds {bm25.scores['num_docs']} documents, expected {size}")
        tokens = ChunkTokens.load(directory)
        if tokens is not None and len(tokens) != size:
            raise ValueError(f"BM25 chunk tokens hold {len(tokens)} chunks, expected {size}")
        return cls(bm25, size, tokens)


def _tokens_of(text: str) -> list[str]:
    """A chunk's tokens, for BM25 (turned into vocabulary ids at once, so none is kept as a string)."""
    return tokenize(text)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the k highest positive scores, best first (ties broken by lower index)."""
    positive = np.flatnonzero(scores > 0)
    if k <= 0 or positive.size == 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    if positive.size > k:
        part = np.argpartition(-scores[positive], k - 1)[:k]
        positive = positive[part]
    order = np.lexsort((positive, -scores[positive]))
    ids = positive[order]
    return scores[ids], ids.astype(np.int64)
