"""The corpus vocabulary at sentence level: each sentence's index tokens and how rare each token is.

Built once per index and shared by the answer features, quote lookup and corroboration, so all three
agree on what a word is (index/lexical.py's tokenizer) and on how informative it is (IDF)."""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache

from index.lexical import tokenize
from index.store import CorpusIndex


class TokenSets(Sequence[frozenset[str]]):
    """Each sentence's distinct tokens, kept as a tuple of interned strings (about 180 bytes for a
    sentence) and handed out as a frozenset. A frozenset kept per sentence cost about 1 KB: 263 MB at
    100k chunks, for sets of which a question reads a few hundred (well under a millisecond to build)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[tuple[str, ...]]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):  # an int, as a list is indexed (-1 is the last sentence)
        return frozenset(self._rows[i])

    def __iter__(self) -> Iterator[frozenset[str]]:
        return (frozenset(row) for row in self._rows)

    def rows(self) -> list[tuple[str, ...]]:
        return self._rows


class DocumentTokens:
    """Every token of an article, as `.get(doc_id, default)`: the union of its sentences' tokens, made
    when asked and kept for the last `keep` articles asked about. A set kept for every article was
    the larger half of this vocabulary at scale (about 136 MB at 100k chunks); a question asks about
    the few articles of its candidates."""

    def __init__(self, index: CorpusIndex, tokens: TokenSets, keep: int = 256) -> None:
        self._index, self._rows = index, tokens.rows()
        self._union = lru_cache(maxsize=keep)(self._of)

    def get(self, doc_id: str, default: frozenset[str] = frozenset()) -> frozenset[str]:
        return self._union(doc_id) if doc_id in self._index.documents else default

    def _of(self, doc_id: str) -> frozenset[str]:
        return frozenset().union(*(self._rows[r] for r in self._index.sentence_rows(doc_id)))


class SentenceVocabulary:
    def __init__(self, index: CorpusIndex) -> None:
        rows = [tuple(set(map(sys.intern, tokenize(index.text_of(s.doc_id, s.start, s.end)))))
                for s in index.sentences]
        self.tokens = TokenSets(rows)
        self.df = Counter(t for tokens in rows for t in tokens)
        self.size = len(rows)
        self._max_idf = math.log(1 + (self.size + 0.5) / 0.5)
        self.document_tokens = DocumentTokens(index, self.tokens)
        self.metadata_tokens = frozenset(t for doc in index.documents.values()
                                         for field in (doc.title, doc.publication, doc.author) if field
                                         for t in tokenize(field))

    def idf(self, token: str) -> float:
        """IDF scaled to [0, 1] (1: a word no sentence uses), so corpora of any size compare."""
        d = self.df.get(token, 0)
        return math.log(1 + (self.size - d + 0.5) / (d + 0.5)) / self._max_idf

    def coverage(self, question_tokens: set[str] | frozenset[str], tokens: set[str] | frozenset[str]) -> float:
        """IDF-weighted share of the question's words found in `tokens` (1.0 = all of them)."""
        total = sum(self.idf(t) for t in question_tokens)
        return sum(self.idf(t) for t in question_tokens & tokens) / total if total else 0.0

    def knows(self, token: str) -> bool:
        """Whether any article uses the token, in its text or its catalog metadata."""
        return token in self.df or token in self.metadata_tokens
