"""Lexical index stage: BM25 (bm25s) over the same chunks, with a tokenizer that handles CJK and numbers."""

from __future__ import annotations

import re
import sys
import unicodedata
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


class LexicalIndex:
    """BM25 scores over every chunk; a query's unknown words simply score nothing."""

    def __init__(self, bm25: bm25s.BM25, size: int, tokens: list[list[str]] | None = None) -> None:
        self._bm25 = bm25
        self.size = size
        self._tokens = tokens  # each chunk's tokens, kept so a write re-tokenizes only its own chunks

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        return cls.from_tokens([_tokens_of(t) for t in texts])

    @classmethod
    def from_tokens(cls, tokens: list[list[str]]) -> LexicalIndex:
        bm25 = bm25s.BM25()
        # bm25s needs at least one token per document; "" is its placeholder for an empty one.
        bm25.index([t or [""] for t in tokens], show_progress=False)
        return cls(bm25, len(tokens), tokens)

    def with_added(self, all_texts: list[str]) -> LexicalIndex:
        """The index over `all_texts`, this index's chunks followed by new ones. bm25s cannot add
        documents (every score depends on the corpus statistics), so it is rebuilt, but only the new
        chunks are tokenized: tokenizing, not indexing, is most of a build."""
        known = self._known_tokens(all_texts[: self.size])
        return LexicalIndex.from_tokens(known + [_tokens_of(t) for t in all_texts[self.size:]])

    def without_rows(self, keep: np.ndarray, kept_texts: list[str]) -> LexicalIndex:
        """The index over the kept chunks (their texts given, in order), re-tokenizing nothing it knows."""
        if self._tokens is None:
            return LexicalIndex.build(kept_texts)
        return LexicalIndex.from_tokens([t for t, k in zip(self._tokens, keep) if k])

    def _known_tokens(self, texts: list[str]) -> list[list[str]]:
        if self._tokens is None:  # loaded from disk: tokenized once, at the first write
            self._tokens = [_tokens_of(t) for t in texts]
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

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(directory), mmap=False, show_progress=False)
        if int(bm25.scores["num_docs"]) != size:
            raise ValueError(f"BM25 index holds {bm25.scores['num_docs']} documents, expected {size}")
        return cls(bm25, size)


def _tokens_of(text: str) -> list[str]:
    """Interned: the same word in many chunks is stored once, however long the kept token lists get."""
    return [sys.intern(t) for t in tokenize(text)]


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
