"""The corpus vocabulary at sentence level: each sentence's index tokens and how rare each token is.

Built once per index and shared by the answer features, quote lookup and corroboration, so all three
agree on what a word is (index/lexical.py's tokenizer) and on how informative it is (IDF)."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from index.lexical import tokenize
from index.store import CorpusIndex


# Token ids take two bytes while the vocabulary has at most this many tokens (the synthetic benchmark
# corpus has 14,871; years of news may not): 6.6M ids at 100k chunks, so about 130 MB less at a
# million than four bytes.
SHORT_IDS_UP_TO = 1 << 16


class TokenSets(Sequence[frozenset[str]]):
    """Each sentence's distinct tokens, kept as ids into one token table (CSR: each sentence's slice of
    `_ids`, 2 bytes an id below SHORT_IDS_UP_TO tokens, else 4) and handed out as a frozenset, the last
    `keep` of them cached. A tuple of interned strings per sentence took about 180 bytes (450 MB at a million chunks);
    a frozenset kept for every sentence about 1 KB."""

    __slots__ = ("names", "_ids", "_offsets", "_frozen")

    def __init__(self, names: Sequence[str], ids: np.ndarray, offsets: np.ndarray, keep: int = 8192) -> None:
        self.names, self._ids, self._offsets = names, ids, offsets  # names: token id -> token
        self._frozen = lru_cache(maxsize=keep)(self._row)

    def _row(self, i: int) -> frozenset[str]:
        names = self.names
        return frozenset(names[j] for j in self._ids[self._offsets[i]:self._offsets[i + 1]].tolist())

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):  # an int, as a list is indexed (-1 is the last sentence, IndexError past the end)
        return self._frozen(range(len(self))[int(i)])

    def __iter__(self) -> Iterator[frozenset[str]]:
        return (self._row(i) for i in range(len(self)))

    def ids_of(self, rows: range) -> np.ndarray:
        """The token ids of consecutive sentences (an article's block), with repeats."""
        return self._ids[self._offsets[rows.start]:self._offsets[rows.stop]] if len(rows) else self._ids[:0]


class ArticleTokens:
    """An article's distinct tokens as a sorted array of token ids, for `token in tokens`: 2 or 4 bytes
    a token, where a sorted tuple of strings took 8 and a frozenset about 24."""

    __slots__ = ("_ids", "_table", "_names")

    def __init__(self, ids: np.ndarray, table: dict[str, int], names: Sequence[str]) -> None:
        self._ids, self._table, self._names = np.unique(ids), table, names  # the dtype of the vocabulary's ids

    def __contains__(self, token: object) -> bool:
        j = self._table.get(token)  # type: ignore[arg-type]
        if j is None:
            return False
        i = int(np.searchsorted(self._ids, j))
        return i < len(self._ids) and int(self._ids[i]) == j

    def __iter__(self) -> Iterator[str]:
        return (self._names[j] for j in self._ids.tolist())

    def __len__(self) -> int:
        return len(self._ids)


class DocumentTokens:
    """Every token of each article, as `.get(doc_id, default)`: what the answer stage checks a
    question's names against. A frozenset per article was the larger half of this vocabulary at scale
    (about 136 MB at 100k chunks); sorted id arrays take a sixth, and building them on request instead
    cost 1.4-2.6 ms a question there (a question's candidates come from dozens of articles)."""

    def __init__(self, index: CorpusIndex, tokens: TokenSets, table: dict[str, int]) -> None:
        self._by_doc = {doc_id: ArticleTokens(tokens.ids_of(index.sentence_rows(doc_id)), table, tokens.names)
                        for doc_id in index.documents}

    def get(self, doc_id: str, default: ArticleTokens | frozenset[str] = frozenset()):
        return self._by_doc.get(doc_id, default)


class SentenceVocabulary:
    def __init__(self, index: CorpusIndex) -> None:
        table: dict[str, int] = {}
        ids, offsets = array("i"), array("q", [0])
        for s in index.sentences:
            ids.extend(table.setdefault(t, len(table)) for t in set(tokenize(index.text_of(s.doc_id, s.start, s.end))))
            offsets.append(len(ids))
        names = list(table)
        id_type = np.uint16 if len(table) <= SHORT_IDS_UP_TO else np.int32
        id_array = np.frombuffer(ids, dtype=np.int32).astype(id_type, copy=False) if ids else np.zeros(0, id_type)
        self.tokens = TokenSets(names, id_array, np.frombuffer(offsets, dtype=np.int64))
        counts = np.bincount(id_array, minlength=len(names)).tolist()
        self.df = dict(zip(names, counts))
        self.size = len(self.tokens)
        self._max_idf = math.log(1 + (self.size + 0.5) / 0.5)
        self.document_tokens = DocumentTokens(index, self.tokens, table)
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
