"""Answer stage: pick the sentence that answers the question, say how sure we are, or abstain.

A learned model (service/answer_model.py, trained on SQuAD by `make train-answerer`) scores every
candidate sentence of the retrieved passages, then judges whether the best one really answers; that
judgement, calibrated, is the confidence the reader sees. Below the model's threshold the service
abstains and says what is missing, in the reader's own words where it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.lexical import tokenize
from index.sentences import Sentence
from index.store import CorpusIndex
from service.answer_candidates import gather_candidates
from service.answer_features import Candidate, FeatureExtractor, question_type
from service.answer_model import AnswerModel
from service.models import ConfidenceLevel, Passage
from service.retrieve import Retrieval, Retriever
from service.vocabulary import SentenceVocabulary


HIGH_CONFIDENCE = 0.75


@dataclass(frozen=True)
class AnswerDecision:
    """The passages to show, and either the answering sentence or the reason for abstaining."""

    passages: list[Passage]
    confidence: float
    level: ConfidenceLevel
    sentence: Sentence | None
    abstained_reason: str | None
    closest: Sentence | None = None  # the best candidate, also when abstaining


class AnswerPolicy:
    """Which sentence answers, how sure that is, and when to abstain instead; built once per index."""

    def __init__(self, index: CorpusIndex, retriever: Retriever, vocabulary: SentenceVocabulary, model: AnswerModel,
                 depth: int, leg_depth: int, abstain_below: float | None = None) -> None:
        self.index = index
        self.retriever = retriever
        self.vocabulary = vocabulary
        self.model = model
        self.features = FeatureExtractor(index, vocabulary)
        self.depth = depth
        self.leg_depth = leg_depth
        self.abstain_below = model.threshold if abstain_below is None else abstain_below

    def decide(self, question: str, retrieval: Retrieval) -> AnswerDecision:
        found, candidates = gather_candidates(self.retriever, retrieval.ranking, max(self.depth, retrieval.k),
                                              self.leg_depth)
        if not candidates:
            return AnswerDecision(retrieval.passages, 0.0, ConfidenceLevel.low, None,
                                  "no passage of the articles matches the question")
        judgement = self.model.judge(self.features.features(question, retrieval.vector, candidates))
        best = candidates[judgement.best]
        passages = _leading_with(retrieval.passages, best.sentence, found[best.passage_rank], retrieval.k)
        confidence = judgement.confidence
        if confidence < self.abstain_below or judgement.vetoed:
            return AnswerDecision(passages, confidence, ConfidenceLevel.low, None, self._reason(question, best),
                                  best.sentence)
        level = ConfidenceLevel.high if confidence >= HIGH_CONFIDENCE else ConfidenceLevel.medium
        return AnswerDecision(passages, confidence, level, best.sentence, None, best.sentence)

    def _reason(self, question: str, best: Candidate) -> str:
        """What is missing, in words a reader understands: the names the articles never use, the
        names the closest passage lacks, the figure it does not state, or plain low confidence."""
        names = question_names(question)
        unknown = [name for name in names if not all(self.vocabulary.knows(t) for t in tokenize(name))]
        if unknown:
            return f"the articles never mention {_listed(unknown)}"
        s = best.sentence
        nearby = self.vocabulary.document_tokens.get(s.doc_id, frozenset())
        absent = [name for name in names if not all(t in nearby for t in tokenize(name))]
        if absent:
            return f"the closest article does not mention {_listed(absent)}"
        if question_type(question) == "number" and not _FIGURE.search(self.index.text_of(s.doc_id, s.start, s.end)):
            return "the question asks for a figure and the closest sentence states none"
        return "no sentence in the articles answers this with enough confidence"


_NAME = re.compile(r"(?:[A-Z][\w’'-]*|\d[\d,.]*\d|\d)(?:\s+(?:of\s+|the\s+)?[A-Z][\w’'-]*)*")
_OPENERS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "in", "according", "did",
            "does", "do", "is", "are", "was", "were", "the", "a", "an", "can", "given", "before", "after", "since",
            "during", "besides", "apart", "other", "than", "name", "on", "at", "by", "for", "to", "from", "as", "i"}
_FIGURE = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                     r"fifty|hundred|thousand|million|billion|half|dozen|percent|double|twice|triple)\b", re.I)


def question_names(question: str) -> list[str]:
    """The names and figures a question is about, as the reader wrote them ("Kyoto University",
    "2024"); a capitalised opener ("Given", "Before", "What") is not a name."""
    names = []
    for match in _NAME.finditer(question):
        words = match.group().split()
        if not question[:match.start()].strip() and words[0].lower() in _OPENERS:
            words = words[1:]  # the question's first word is capitalised because it comes first
        while words and words[0].lower() in ("the", "of"):
            words = words[1:]
        name = " ".join(words).rstrip(".,")
        if name and tokenize(name):
            names.append(name)
    return list(dict.fromkeys(names))


def _listed(names: list[str]) -> str:
    return ", ".join(f"“{n}”" for n in names[:3])


def _leading_with(passages: list[Passage], sentence: Sentence, passage: Passage, k: int) -> list[Passage]:
    """The shown passages, led by the answer's own passage when none of them holds the answer."""
    if any(p.doc_id == sentence.doc_id and p.start <= sentence.start and sentence.end <= p.end for p in passages):
        return passages
    return [passage] + passages[: k - 1]
