"""The corpus vocabulary at sentence level: each sentence's index tokens and how rare each token is.

Built once per index and shared by the answer features, quote lookup and corroboration, so all three
agree on what a word is (index/lexical.py's tokenizer) and on how informative it is (IDF)."""

from __future__ import annotations

import math
import sys
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from index.lexical import tokenize
from index.store import CorpusIndex


class TokenSets(Sequence[frozenset[str]]):
    """Each sentence's distinct tokens, kept as a tuple of interned strings (about 180 bytes for a
    sentence) and handed out as a frozenset, the last `keep` of them cached. A frozenset kept for
    every sentence cost about 1 KB: 263 MB at 100k chunks, for sets a question reads a few hundred of."""

    __slots__ = ("_rows", "_frozen")

    def __init__(self, rows: list[tuple[str, ...]], keep: int = 8192) -> None:
        self._rows = rows
        self._frozen = lru_cache(maxsize=keep)(lambda i: frozenset(rows[i]))

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):  # an int, as a list is indexed (-1 is the last sentence)
        return self._frozen(i)

    def __iter__(self) -> Iterator[frozenset[str]]:
        return (frozenset(row) for row in self._rows)


class ArticleTokens:
    """An article's distinct tokens as a sorted tuple of interned strings, for `token in tokens`
    (bisection): 8 bytes a token, where a frozenset took about 24."""

    __slots__ = ("_sorted",)

    def __init__(self, tokens: Iterable[str]) -> None:
        self._sorted = tuple(sorted(set(tokens)))

    def __contains__(self, token: object) -> bool:
        i = bisect_left(self._sorted, token)  # type: ignore[arg-type]
        return i < len(self._sorted) and self._sorted[i] == token

    def __iter__(self) -> Iterator[str]:
        return iter(self._sorted)

    def __len__(self) -> int:
        return len(self._sorted)


class DocumentTokens:
    """Every token of each article, as `.get(doc_id, default)`: what the answer stage checks a
    question's names against. A frozenset per article was the larger half of this vocabulary at scale
    (about 136 MB at 100k chunks); sorted tuples take a third, and building them on request instead
    cost 1.4-2.6 ms a question there (a question's candidates come from dozens of articles)."""

    def __init__(self, index: CorpusIndex, rows: list[tuple[str, ...]]) -> None:
        self._by_doc = {doc_id: ArticleTokens(t for r in index.sentence_rows(doc_id) for t in rows[r])
                        for doc_id in index.documents}

    def get(self, doc_id: str, default: ArticleTokens | frozenset[str] = frozenset()):
        return self._by_doc.get(doc_id, default)


class SentenceVocabulary:
    def __init__(self, index: CorpusIndex) -> None:
        rows = [tuple(set(map(sys.intern, tokenize(index.text_of(s.doc_id, s.start, s.end)))))
                for s in index.sentences]
        self.tokens = TokenSets(rows)
        self.df = Counter(t for tokens in rows for t in tokens)
        self.size = len(rows)
        self._max_idf = math.log(1 + (self.size + 0.5) / 0.5)
        self.document_tokens = DocumentTokens(index, rows)
        self.metadata_tokens = frozenset(t for doc in index.documents.values()
                                         for field in (doc.title, doc.publication, doc.author) if field
                                         for t in tokenize(field))

    def idf(self, token: str) -> float:
        """IDF scaled to [0, 1] (1: a word no sentence uses), so corpora of any size compare."""
        d = self.df.get(token, 0)
        return math.log(1 + (self.size - d + 0.5) / (d + 0.5)) / self._max_idf

    def coverage(self, question_tokens: set[str] | frozenset[str], tokens: set[str] | frozenset[str]) -> float:
        """IDF-weighted share of the question's words found in `tokens` (1.0 = all of them)."""
        total = math.fsum(self.idf(t) for t in question_tokens)  # fsum: independent of set order
        return math.fsum(self.idf(t) for t in question_tokens & tokens) / total if total else 0.0

    def knows(self, token: str) -> bool:
        """Whether any article uses the token, in its text or its catalog metadata."""
        return token in self.df or token in self.metadata_tokens
