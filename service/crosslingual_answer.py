"""Interim answer rule for questions not in English: which English sentence answers, how sure that is,
and the abstention reason in the reader's language. The answer is still an exact sentence of an article.

The learned answer model (service/answer.py) reads all-MiniLM-L6-v2 cosines and English word overlap,
neither of which can compare a Chinese question with an English sentence. Until it gets cross-lingual
features, a sentence is scored here by the multilingual encoder's cosine between the question and the
sentence (vectors stored with the index: `index.multilingual_sentence_vectors`), plus the IDF-weighted
share of the question's searched English words (the articles' names it reads as, and the words the word
bridge found) that the sentence holds, minus a penalty per passage rank and, when the question asks
for a figure, for a sentence that states none. `choose` is the one function to replace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.lexical import tokenize
from index.store import CorpusIndex
from service.answer import _FIGURE, AnswerDecision, AnswerPolicy, _leading_with
from service.answer_candidates import gather_candidates
from service.answer_features import Candidate
from service.language import Language
from service.models import ConfidenceLevel, Passage, RetrievalMode
from service.retrieve import RankedChunk, Retrieval
from service.vocabulary import SentenceVocabulary


@dataclass(frozen=True)
class CrosslingualWeights:
    """Chosen on the 96 Chinese and Japanese gold questions: coverage 0-1 and rank penalty 0-0.06 moved
    the share of best sentences holding the gold answer between 0.42 and 0.53. The score does not
    separate answerable from unanswerable questions, so floor, ceiling and `abstain_below` only set how
    often it abstains: about 1 answerable question in 8 (README, 'Languages'). Not calibrated: an
    answer from this rule is never reported as high confidence."""

    meaning: float = 1.0
    coverage: float = 0.5
    passage_rank: float = 0.03
    no_figure: float = 0.15  # "何人ですか" answered by a sentence with no figure in it
    floor: float = 0.15  # combined score mapped to confidence 0 ...
    ceiling: float = 0.6  # ... and 1
    abstain_below: float = 0.3


@dataclass(frozen=True, slots=True)
class Scored:
    candidate: Candidate
    cosine: float
    coverage: float
    score: float


# Questions asking for a number, in Chinese and Japanese: how many / how much / what share / which year.
_ASKS_FOR_FIGURE = re.compile(r"何人|何割|何パーセント|何%|何年|何万|何件|何議席|いくら|どれくらい|どのくらい|どれだけ|"
                              r"多少|几|百分之|比例|比率|哪一年|哪年|多大|多久|多长")


def choose(index: CorpusIndex, vocabulary: SentenceVocabulary, question: str, question_vector: np.ndarray,
           searched: str, candidates: list[Candidate], weights: CrosslingualWeights = CrosslingualWeights()
           ) -> list[Scored]:
    """Every candidate sentence, best first."""
    vectors = index.multilingual_sentence_vectors
    if vectors is None or not candidates:
        return []
    ids = [c.sentence.id for c in candidates]
    cosines = vectors.rows(ids) @ question_vector
    searched_tokens = set(tokenize(searched))
    wants_figure = bool(_ASKS_FOR_FIGURE.search(question))
    scored = []
    for candidate, cosine in zip(candidates, cosines.tolist()):
        s = candidate.sentence
        coverage = vocabulary.coverage(searched_tokens, vocabulary.tokens[s.id])
        total = weights.meaning * cosine + weights.coverage * coverage - weights.passage_rank * candidate.passage_rank
        if wants_figure and not _FIGURE.search(index.text_of(s.doc_id, s.start, s.end)):
            total -= weights.no_figure
        scored.append(Scored(candidate, float(cosine), coverage, total))
    scored.sort(key=lambda x: -x.score)
    return scored


def confidence(best: Scored, weights: CrosslingualWeights = CrosslingualWeights()) -> float:
    return round(min(max((best.score - weights.floor) / (weights.ceiling - weights.floor), 0.0), 1.0), 4)


_REASONS = {
    Language.zh: {"nothing": "文章中没有与该问题足够接近的句子",
                  "missing": "文章中最接近的段落没有提到{terms}"},
    Language.ja: {"nothing": "記事の中に、この質問に十分近い文が見つかりませんでした",
                  "missing": "最も近い段落には{terms}についての記述がありません"},
}
_EN = {"nothing": "no sentence in the articles is close enough to the question",
       "missing": "the closest passage does not mention {terms}"}


def abstention_reason(language: Language, missing: list[str]) -> str:
    """Why there is no answer, in the reader's language (English where we have no wording), naming the
    missing words (never the whole question)."""
    wording = _REASONS.get(language, _EN)
    if missing:
        separator = "、" if language in _REASONS else ", "
        return wording["missing"].format(terms=separator.join(missing))
    return wording["nothing"]


_FIGURE_OR_NAME = re.compile(r"\d[\d,.]*|[A-Za-z][A-Za-z-]+")


class CrosslingualPolicy:
    """AnswerPolicy's job for a question not in English, with `choose` as the scorer."""

    def __init__(self, policy: AnswerPolicy, weights: CrosslingualWeights = CrosslingualWeights(),
                 nearest_sentences: int = 5) -> None:
        self.policy = policy
        self.weights = weights
        self.nearest_sentences = nearest_sentences

    def decide(self, question: str, retrieval: Retrieval) -> AnswerDecision:
        policy, k = self.policy, retrieval.k
        found, candidates = gather_candidates(policy.retriever, retrieval.ranking, max(policy.depth, k),
                                              policy.leg_depth)
        found, candidates = self._with_nearest_sentences(found, candidates, retrieval)
        scored = choose(policy.index, policy.vocabulary, question, retrieval.multilingual_vector,
                        retrieval.lexical_query or question, candidates, self.weights)
        if not scored:
            return AnswerDecision(retrieval.passages, 0.0, ConfidenceLevel.low, None,
                                  abstention_reason(retrieval.language, []))
        best = scored[0].candidate
        passages = _leading_with(retrieval.passages, best.sentence, found[best.passage_rank], k)
        missing = self._missing(question, found[best.passage_rank])
        value = round(confidence(scored[0], self.weights) * (0.5 if missing else 1.0), 4)
        if value < self.weights.abstain_below:
            return AnswerDecision(passages, value, ConfidenceLevel.low, None,
                                  abstention_reason(retrieval.language, missing), best.sentence)
        return AnswerDecision(passages, value, ConfidenceLevel.medium, best.sentence, None, best.sentence)

    def _with_nearest_sentences(self, found: list[Passage], candidates: list[Candidate], retrieval: Retrieval
                                ) -> tuple[list[Passage], list[Candidate]]:
        """The candidates, then the sentences nearest the question and their chunks (the encoder ranks
        the answering sentence higher than its chunk more often than not)."""
        retriever, vectors = self.policy.retriever, self.policy.index.multilingual_sentence_vectors
        if vectors is None or retrieval.multilingual_vector is None:
            return found, candidates
        _, rows = vectors.search(retrieval.multilingual_vector, self.nearest_sentences)
        ranked = [RankedChunk(c, 0.0, frozenset({RetrievalMode.multilingual}))
                  for row in rows for c in retriever.chunks_of(int(row))[:1]]
        extra = [p for p in retriever.passages(ranked, len(ranked))
                 if not any(q.doc_id == p.doc_id and q.start <= p.start and p.end <= q.end for q in found)]
        seen = {c.sentence.id for c in candidates}
        added = []
        for rank, passage in enumerate(extra, start=len(found)):
            for sentence in self.policy.index.sentences_in(passage.doc_id, passage.start, passage.end):
                if sentence.id not in seen:
                    seen.add(sentence.id)
                    added.append(Candidate(sentence, rank, passage.start, passage.end, False, False))
        return found + extra, candidates + added

    def _missing(self, question: str, passage: Passage) -> list[str]:
        """Figures and Latin-script names of the question ("2010", "Nagoya") that the passage lacks."""
        index, tokens = self.policy.index, self.policy.vocabulary.tokens
        present = set().union(*(tokens[s.id] for s in index.sentences_in(passage.doc_id, passage.start, passage.end)))
        missing = []
        for word in _FIGURE_OR_NAME.findall(question):
            words = tokenize(word)
            if words and not set(words) & present and word not in missing:
                missing.append(word)
        return missing
