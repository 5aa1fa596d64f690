"""Paraphrase lookup, for one claim nothing else matched: the sentences whose embedding is closest to
it, that share enough of its informative words and state every figure it states."""

from __future__ import annotations

import numpy as np

from index.lexical import tokenize
from index.sentences import Sentence
from index.store import CorpusIndex
from service.vocabulary import SentenceVocabulary
from service.models import Verdict
from service.query_embedding import CachedQueryEmbedder
from service.quotes import CheckedSpan, CiteRules, Deadline, Found, ParaphraseCandidate

_EMBED_BATCH = 32  # claims embedded together, between two looks at the time budget


class Paraphrases:
    def __init__(self, index: CorpusIndex, scorer: SentenceVocabulary, queries: CachedQueryEmbedder,
                 rules: CiteRules) -> None:
        self.index = index
        self.scorer = scorer
        self.queries = queries
        self.rules = rules

    def add(self, text: str, checks: list[CheckedSpan], deadline: Deadline | None = None) -> int:
        """Paraphrase lookup for `checks` (spans of `text` nothing matched), their vectors embedded a
        few at a time; returns how many were left unchecked when the deadline passed."""
        for at in range(0, len(checks), _EMBED_BATCH):
            if deadline is not None and deadline.passed():
                return len(checks) - at
            batch = checks[at:at + _EMBED_BATCH]
            claims = [text[c.start:c.end] for c in batch]
            for check, claim, vector in zip(batch, claims, self.queries.embed_many(claims)):
                check.found.extend(self.find(claim, vector))
        return 0

    def find(self, claim: str, vector: np.ndarray) -> list[Found]:
        rules = self.rules
        return [Found(c.sentence.doc_id, c.sentence.start, c.sentence.end, Verdict.paraphrase, round(c.cosine, 4))
                for c in self.candidates(claim, vector)
                if c.cosine >= rules.paraphrase_min_similarity and c.shared >= rules.paraphrase_min_shared
                ][: rules.max_matches]

    def candidates(self, claim: str, vector: np.ndarray) -> list[ParaphraseCandidate]:
        """The sentences closest in meaning that state every figure of the claim, most similar first."""
        tokens = set(tokenize(claim))
        figures = {t for t in tokens if t[0].isdigit()}
        candidates = []
        for hit in self.index.backend.similar_sentences(vector, self.rules.candidate_pool):
            sentence, score = self.index.sentences[hit.row], hit.score
            context = self.scorer.tokens[sentence.id] | self._previous_tokens(sentence)
            if figures <= context:  # a different figure is a different claim
                candidates.append(ParaphraseCandidate(sentence, float(score), self.scorer.coverage(tokens, context)))
        return candidates

    def _previous_tokens(self, sentence: Sentence) -> set[str]:
        """A sentence like 'By 2024, the number was just 686,000.' leans on the one before it."""
        previous = self.index.sentences[sentence.id - 1] if sentence.id > 0 else None
        return self.scorer.tokens[previous.id] if previous and previous.doc_id == sentence.doc_id else set()
