"""Answer stage: pick the sentence that answers the question, say how sure we are, or abstain.
`AnswerPolicy` holds the whole decision; the engine only wires retrieval -> answer -> corroboration.

No QA model is available, so a sentence is scored from two signals measured on the gold set:
- meaning: cosine between the question and the sentence (sentence vectors are built with the index);
- coverage: how much of the question's informative vocabulary (IDF-weighted) the sentence, or the
  passage around it, contains. A question about "Nagoya" is not answered by a sentence about Osaka,
  however similar they look to the embedding model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from index.lexical import tokenize
from index.sentences import Sentence
from index.store import CorpusIndex
from service.models import Passage
from service.retrieve import Retrieval, Retriever


@dataclass(frozen=True)
class AnswerWeights:
    """How sentence evidence is combined; chosen on the eval suite (see README, 'Answers')."""

    meaning: float = 1.0
    sentence_coverage: float = 0.75
    passage_coverage: float = 0.25
    passage_rank: float = 0.05  # penalty per rank of the passage the sentence comes from


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    sentence: Sentence
    passage_index: int
    cosine: float
    sentence_coverage: float
    passage_coverage: float
    score: float


class SentenceScorer:
    """Scores candidate sentences against a question; built once per index."""

    def __init__(self, index: CorpusIndex, weights: AnswerWeights = AnswerWeights()) -> None:
        self.index = index
        self.weights = weights
        self.tokens = [set(tokenize(index.text_of(s.doc_id, s.start, s.end))) for s in index.sentences]
        self._df = Counter(t for toks in self.tokens for t in toks)
        n = len(self.tokens)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in self._df.items()}
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)  # a word no article uses: maximally informative

    def is_rare(self, token: str, share: float) -> bool:
        return self._df.get(token, 0) <= share * len(self.tokens)

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._unseen_idf)

    def coverage(self, question_tokens: set[str] | frozenset[str], tokens: set[str]) -> float:
        """IDF-weighted share of the question's words found in `tokens` (1.0 = all of them)."""
        total = sum(self.idf(t) for t in question_tokens)
        return sum(self.idf(t) for t in question_tokens & tokens) / total if total else 0.0

    def score(self, question_vector: np.ndarray, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        """Every sentence of every passage, best first."""
        q_tokens = set(tokenize(question))
        per_passage = [self.index.sentences_in(p.doc_id, p.start, p.end) for p in passages]
        ids = [s.id for sentences in per_passage for s in sentences]
        cosine_of = dict(zip(ids, (self.index.backend.sentence_rows(ids) @ question_vector).tolist())) if ids else {}
        scored = []
        for p_index, sentences in enumerate(per_passage):
            if not sentences:
                continue
            passage_tokens = set().union(*(self.tokens[s.id] for s in sentences))
            p_cov = self.coverage(q_tokens, passage_tokens)
            for sentence in sentences:
                cosine = cosine_of[sentence.id]
                s_cov = self.coverage(q_tokens, self.tokens[sentence.id])
                w = self.weights
                total = (w.meaning * float(cosine) + w.sentence_coverage * s_cov + w.passage_coverage * p_cov
                         - w.passage_rank * p_index)
                scored.append(ScoredSentence(sentence, p_index, float(cosine), s_cov, p_cov, total))
        scored.sort(key=lambda s: -s.score)
        return scored


_QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "in", "according",
                   "did", "does", "do", "is", "are", "was", "were", "the", "a", "an", "can", "approximately",
                   "roughly", "about", "by", "for", "on", "at", "of", "to", "as", "and", "or"}
_KEY_TOKEN = re.compile(r"[A-Za-z][\w’'-]*|\d[\d,.]*\d|\d|[\u3040-\u30ff\u3400-\u9fff]+")


def key_terms(question: str) -> dict[str, str]:
    """The words a question hinges on — names (capitalised), numbers and CJK terms — as
    {index token: the reader's word}. "Nagoya" or "2010" is not answered by a passage without them."""
    keys: dict[str, str] = {}
    for match in _KEY_TOKEN.finditer(question):
        word = match.group()
        if word[0].isdigit() or not word.isascii() or (word[0].isupper() and word.lower() not in _QUESTION_WORDS):
            keys.update({token: word for token in tokenize(word)})
    return keys


_ASKS_FOR_FIGURE = re.compile(r"^\W*(?:how (?:many|much|old|long|large|big)|what (?:percentage|percent|share|"
                              r"proportion|fraction|number|amount|age)|(?:in )?(?:what|which) year)\b", re.I)
_FIGURE = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                     r"fifty|hundred|thousand|million|billion|half|dozen|percent|double|twice|triple)\b", re.I)


def lacks_asked_figure(question: str, sentence: str) -> bool:
    """'How many ...?' answered by a sentence with no figure at all is not answered."""
    return bool(_ASKS_FOR_FIGURE.search(question)) and not _FIGURE.search(sentence)


@dataclass(frozen=True)
class Confidence:
    """Confidence in [0, 1]: the best sentence's score mapped linearly from `floor` (0) to `ceiling`
    (1), halved when the question names something rare that the answer's passage never mentions, and
    halved when the question asks for a figure the answer sentence does not state."""

    floor: float = 0.6
    ceiling: float = 1.4
    missing_key_factor: float = 0.5
    missing_figure_factor: float = 0.3
    rare_share: float = 0.02  # a key term in more than 2% of sentences (Chinese, Japan) is not telling

    def of(self, best: ScoredSentence, missing_rare_key: bool = False, lacks_figure: bool = False) -> float:
        value = min(max((best.score - self.floor) / (self.ceiling - self.floor), 0.0), 1.0)
        value *= self.missing_key_factor if missing_rare_key else 1.0
        value *= self.missing_figure_factor if lacks_figure else 1.0
        return round(value, 4)


@dataclass(frozen=True)
class AnswerDecision:
    """The passages to show, and either the answering sentence or the reason for abstaining."""

    passages: list[Passage]
    confidence: float
    sentence: Sentence | None
    abstained_reason: str | None


class AnswerPolicy:
    """Which sentence answers, how sure that is, and when to abstain instead; built once per index."""

    def __init__(self, index: CorpusIndex, retriever: Retriever, scorer: SentenceScorer, leg_depth: int,
                 abstain_below: float, confidence: Confidence = Confidence()) -> None:
        self.index = index
        self.retriever = retriever
        self.scorer = scorer
        self.leg_depth = leg_depth
        self.abstain_below = abstain_below
        self.confidence = confidence

    def decide(self, question: str, retrieval: Retrieval) -> AnswerDecision:
        """The best sentence of the retrieved passages and of each leg's head, when confident enough."""
        k, passages = retrieval.k, retrieval.passages
        # Fusion can bury a chunk only one leg finds (a rare name only BM25 knows): each leg's head
        # competes for the answer too, and joins the passages when it wins.
        extra = [p for p in self.retriever.passages(retrieval.ranking.leg_heads(self.leg_depth), k * 2)
                 if not any(q.doc_id == p.doc_id and q.start <= p.start and p.end <= q.end for q in passages)]
        candidates = passages + extra
        scored = self.scorer.score(retrieval.vector, question, candidates)
        if not scored:
            return AnswerDecision(passages, 0.0, None, "no passage matches the question")
        best = scored[0]
        best_passage = candidates[best.passage_index]
        if best.passage_index >= len(passages):  # a leg's head won: it leads the passages, scored as first
            passages = [best_passage] + passages[: k - 1]
            best = replace(best, passage_index=0,
                           score=best.score + self.scorer.weights.passage_rank * best.passage_index)
        missing = self._missing_rare_keys(question, best_passage)
        s = best.sentence
        no_figure = lacks_asked_figure(question, self.index.text_of(s.doc_id, s.start, s.end))
        confidence = self.confidence.of(best, bool(missing), no_figure)
        if confidence < self.abstain_below:
            reason = (f"the articles never mention {', '.join(sorted(missing))} near the best match" if missing
                      else "the question asks for a figure and the closest sentence states none" if no_figure
                      else "no sentence in the articles is close enough to the question")
            return AnswerDecision(passages, confidence, None, reason)
        return AnswerDecision(passages, confidence, s, None)

    def _missing_rare_keys(self, question: str, passage: Passage) -> set[str]:
        """The reader's rare key words (names, figures) that the passage never mentions."""
        present = set().union(*(self.scorer.tokens[s.id]
                                for s in self.index.sentences_in(passage.doc_id, passage.start, passage.end)))
        return {word for token, word in key_terms(question).items()
                if token not in present and self.scorer.is_rare(token, self.confidence.rare_share)}
