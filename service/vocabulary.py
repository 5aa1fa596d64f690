"""The corpus vocabulary at sentence level: each sentence's index tokens and how rare each token is.

Built once per index and shared by the answer features, quote lookup and corroboration, so all three
agree on what a word is (index/lexical.py's tokenizer) and on how informative it is (IDF)."""

from __future__ import annotations

import math
from collections import Counter

from index.lexical import tokenize
from index.store import CorpusIndex


class SentenceVocabulary:
    def __init__(self, index: CorpusIndex) -> None:
        self.tokens = [frozenset(tokenize(index.text_of(s.doc_id, s.start, s.end))) for s in index.sentences]
        self.df = Counter(t for tokens in self.tokens for t in tokens)
        self.size = len(self.tokens)
        self._max_idf = math.log(1 + (self.size + 0.5) / 0.5)
        by_doc: dict[str, set[str]] = {}
        for sentence, tokens in zip(index.sentences, self.tokens):
            by_doc.setdefault(sentence.doc_id, set()).update(tokens)
        self.document_tokens = {doc_id: frozenset(tokens) for doc_id, tokens in by_doc.items()}
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
