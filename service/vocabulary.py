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

    def lengths(self, rows: range) -> np.ndarray:
        """How many distinct tokens each of consecutive sentences has."""
        return np.diff(self._offsets[rows.start:rows.stop + 1]) if len(rows) else np.zeros(0, np.int64)

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

    def __init__(self, index: CorpusIndex, tokens: TokenSets, table: dict[str, int],
                 kept: dict[str, ArticleTokens] | None = None) -> None:
        """`kept`: articles whose tokens are already known (a write's unchanged ones), reused as they are."""
        kept = kept or {}
        self._by_doc = {doc_id: kept[doc_id] if doc_id in kept else
                        ArticleTokens(tokens.ids_of(index.sentence_rows(doc_id)), table, tokens.names)
                        for doc_id in index.documents}

    def get(self, doc_id: str, default: ArticleTokens | frozenset[str] = frozenset()):
        return self._by_doc.get(doc_id, default)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._by_doc


class SentenceVocabulary:
    """Built once per index by tokenizing every sentence; after a write, `next` tokenizes only the
    sentences of the articles it added (29 s of re-tokenizing at a million chunks otherwise)."""

    def __init__(self, index: CorpusIndex, previous: SentenceVocabulary | None = None,
                 changed: frozenset[str] = frozenset()) -> None:
        """`previous` and `changed`: the vocabulary before a write and the ids of the articles it added,
        replaced or removed; every other article's token ids are copied from `previous`. The token table
        is shared and only grows, so ids `previous` handed out keep their meaning for its readers."""
        table: dict[str, int] = previous._table if previous is not None else {}
        names: list[str] = previous.tokens.names if previous is not None else []
        pieces: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        kept: dict[str, ArticleTokens] = {}
        blocks = _blocks_in_row_order(index)
        for doc_id, rows in blocks:
            old_rows = previous.sentence_rows(doc_id) if previous is not None and doc_id not in changed else range(0)
            if len(old_rows) == len(rows) and doc_id in previous.document_tokens:
                pieces.append(previous.tokens.ids_of(old_rows).astype(np.int32))
                lengths.append(previous.tokens.lengths(old_rows))
                kept[doc_id] = previous.document_tokens.get(doc_id)
                continue
            ids, counts = array("i"), array("q")
            for row in rows:
                s = index.sentences[row]
                before = len(ids)
                for t in set(tokenize(index.text_of(doc_id, s.start, s.end))):
                    j = table.get(t)
                    if j is None:
                        j = table[t] = len(names)
                        names.append(t)
                    ids.append(j)
                counts.append(len(ids) - before)
            pieces.append(np.frombuffer(ids, dtype=np.int32) if ids else np.zeros(0, np.int32))
            lengths.append(np.frombuffer(counts, dtype=np.int64) if counts else np.zeros(0, np.int64))
        id_type = np.uint16 if len(names) <= SHORT_IDS_UP_TO else np.int32
        id_array = np.concatenate(pieces, dtype=id_type, casting="unsafe") if pieces else np.zeros(0, id_type)
        offsets = np.concatenate([[0], np.cumsum(np.concatenate(lengths), dtype=np.int64)]) if lengths \
            else np.zeros(1, np.int64)
        if len(offsets) != len(index.sentences) + 1:
            raise ValueError(f"the articles' sentence rows cover {len(offsets) - 1} of {len(index.sentences)}")
        if previous is not None and previous.tokens._ids.dtype != id_type:
            kept = {}  # the ids widened past two bytes: every article's array is made again
        self._table, self._blocks = table, dict(blocks)
        self.tokens = TokenSets(names, id_array, offsets.astype(np.int64))
        counts = np.bincount(id_array, minlength=len(names)).tolist()
        self.df = {name: n for name, n in zip(names, counts) if n}  # a removed article's last words are gone
        self.size = len(self.tokens)
        self._max_idf = math.log(1 + (self.size + 0.5) / 0.5)
        self.document_tokens = DocumentTokens(index, self.tokens, table, kept)
        self.metadata_tokens = frozenset(t for doc in index.documents.values()
                                         for field in (doc.title, doc.publication, doc.author) if field
                                         for t in tokenize(field))

    def next(self, index: CorpusIndex, changed: frozenset[str]) -> SentenceVocabulary:
        """The vocabulary of `index`, a write's result: `changed` names the articles the write added,
        replaced or removed."""
        return SentenceVocabulary(index, self, changed)

    def sentence_rows(self, doc_id: str) -> range:
        """`doc_id`'s sentence rows in the index this vocabulary was built from."""
        return self._blocks.get(doc_id, range(0))

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


def _blocks_in_row_order(index: CorpusIndex) -> list[tuple[str, range]]:
    """Each article's sentence rows, in the order the rows run (a write appends an added article)."""
    blocks = [(doc_id, index.sentence_rows(doc_id)) for doc_id in index.documents]
    return sorted((b for b in blocks if len(b[1])), key=lambda b: b[1].start)
