"""Answer features: what the learned answer model sees of one (question, candidate sentence) pair.

Each feature is a signal a reader would use to judge whether a sentence answers a question: does it
mean the same (embedding cosine), does it use the question's informative words (IDF-weighted
coverage, in the sentence and in its neighbours), does it say something the question does not
(a new figure for "how many", a new name for "who"), and does it mention the names the question
hinges on. Every value is scale-free (shares, ranks, gaps), so a model trained on one corpus
transfers to another of a different size.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index.lexical import tokenize
from bm25s.stopwords import STOPWORDS_EN as STOPWORDS
from index.sentences import Sentence
from index.store import CorpusIndex
from service.vocabulary import SentenceVocabulary

QUESTION_TYPES = ("who", "when", "where", "number", "why", "how", "which_what", "other")
_TYPE_PATTERNS = [
    ("number", r"\bhow (?:many|much|long|old|far|large|big|high|often)\b|\bwhat (?:percentage|percent|"
               r"proportion|share|fraction|number|amount|age)\b"),
    ("when", r"\bwhen\b|\b(?:what|which) (?:year|decade|century|date|day|month|time)\b"),
    ("who", r"\bwho(?:m|se)?\b"),
    ("where", r"\bwhere\b"),
    ("why", r"\bwhy\b"),
    ("how", r"\bhow\b"),
    ("which_what", r"\b(?:what|which)\b"),
]
_TYPES = [(name, re.compile(pattern, re.I)) for name, pattern in _TYPE_PATTERNS]
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"\b(?:1[0-9]|20)\d{2}s?\b")
_NUMBER_WORD = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                          r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.I)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]*")
_NEGATION = re.compile(r"\b(?:not|never|no|none|without|n[o’']t)\b|n[’']t\b", re.I)
FACTS_KEPT = 16_384  # sentences whose facts are kept: a question touches a few hundred
_STOPWORDS = frozenset(STOPWORDS) | {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "many", "much"}
_FIRST_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "in", "according", "did",
                "does", "do", "is", "are", "was", "were", "the", "a", "an", "can", "on", "at", "by", "for", "to",
                "from", "of", "as", "after", "before", "during", "given", "since", "besides", "along", "other",
                "than", "apart", "while", "with", "under", "about", "approximately", "roughly", "i", "if", "name"}

FEATURE_NAMES = (
    "cosine", "cosine_gap", "cosine_rank", "neighbour_cosine",
    "sentence_coverage", "window_coverage", "passage_coverage", "coverage_gap", "coverage_rank",
    "bigram_coverage", "exact_word_share", "rare_words_matched", "previous_coverage", "top_missing_idf", "names_missing_sentence", "names_missing_window",
    "names_missing_document", "names_unknown_corpus", "rare_words_missing_window", "question_names", "passage_rank", "found_dense", "found_lexical",
    "sentence_tokens", "question_tokens", "novelty",
    "new_number", "new_year", "new_name", "has_number_word", "negation_question", "negation_sentence",
    *(f"asks_{t}" for t in QUESTION_TYPES),
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence that may answer, with the passage it came from (rank 0 = the best passage)."""

    sentence: Sentence
    passage_rank: int
    passage_start: int
    passage_end: int
    found_dense: bool
    found_lexical: bool


def question_type(question: str) -> str:
    for name, pattern in _TYPES:
        if pattern.search(question):
            return name
    return "other"


def name_terms(text: str) -> set[str]:
    """Index tokens of the names and figures a text hinges on: capitalised words that are not merely
    the first word, and numbers. "Given", "Before" or "What" opening a question are not names."""
    terms: set[str] = set()
    words = list(re.finditer(r"[A-Za-z][\w’'-]*|\d+(?:[.,]\d+)*", text))
    for i, match in enumerate(words):
        word = match.group()
        if word[0].isdigit() or (word[0].isupper() and not (i == 0 or word.lower() in _FIRST_WORDS)):
            terms.update(tokenize(word))
    return terms


@dataclass(frozen=True, slots=True)
class SentenceFacts:
    """What the features need of one sentence's text, computed once per sentence."""

    token_list: tuple[str, ...]
    bigrams: frozenset[tuple[str, str]]
    words: frozenset[str]  # lower-cased words as written
    years: tuple[str, ...]
    capitalised: tuple[str, ...]  # lower-cased capitalised words that do not open the sentence
    number_word: bool
    negated: bool


def sentence_facts(text: str) -> SentenceFacts:
    tokens = tokenize(text)
    return SentenceFacts(tuple(tokens), frozenset(zip(tokens, tokens[1:])), frozenset(re.findall(r"\w+", text.lower())),
                         tuple(m.group() for m in _YEAR.finditer(text)),
                         tuple(m.group().lower() for m in _CAPITALISED.finditer(text)),
                         bool(_NUMBER_WORD.search(text)), bool(_NEGATION.search(text)))


class FeatureExtractor:
    def __init__(self, index: CorpusIndex, vocabulary: SentenceVocabulary) -> None:
        self.index = index
        self.vocabulary = vocabulary
        # Per sentence, as questions touch them; bounded: a fact set is ~5.7 KB (tracemalloc, the seeds), and a
        # long-running server over a million chunks would otherwise end up holding one per sentence (2.5M).
        self._facts = lru_cache(maxsize=FACTS_KEPT)(self._sentence_facts)

    def features(self, question: str, question_vector: np.ndarray, candidates: list[Candidate]) -> np.ndarray:
        """One row of FEATURE_NAMES per candidate."""
        if not candidates:
            return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
        vocab, sentences = self.vocabulary, self.index.sentences
        q_list = tokenize(question)
        q_tokens = set(q_list)
        q_bigrams = set(zip(q_list, q_list[1:]))
        q_names = name_terms(question)
        q_numbers = {t for t in q_tokens if t[0].isdigit()}
        q_type = question_type(question)
        q_negated = bool(_NEGATION.search(question))
        q_words_lower = set(re.findall(r"\w+", question.lower()))
        q_content_words = {w for w in q_words_lower if w not in _STOPWORDS}
        q_idf = {t: vocab.idf(t) for t in q_tokens}
        q_rare = {t for t, idf in q_idf.items() if idf > 0.5}
        q_total = math.fsum(q_idf.values())
        q_unknown = _share_missing(q_names, {t for t in q_names if vocab.knows(t)})

        def coverage(tokens: frozenset[str]) -> float:
            # fsum: the same words give the same value whatever order the set yields them in (string
            # hashes, and so set order, change between processes; a plain sum then broke ties between
            # sentences differently in each run of make train-answerer)
            return math.fsum(q_idf[t] for t in q_tokens & tokens) / q_total if q_total else 0.0

        ids = [c.sentence.id for c in candidates]
        neighbours = [self._neighbours(c.sentence) for c in candidates]
        rows = sorted(set(ids) | {n.id for ns in neighbours for n in ns})
        cosine_of = dict(zip(rows, (self.index.backend.sentence_rows(rows) @ question_vector).tolist()))
        cosines = np.array([cosine_of[i] for i in ids])
        passage_tokens: dict[tuple, frozenset[str]] = {}
        out = np.zeros((len(candidates), len(FEATURE_NAMES)), dtype=np.float32)
        s_coverages = np.zeros(len(candidates))
        for row, (candidate, near) in enumerate(zip(candidates, neighbours)):
            s = candidate.sentence
            facts = self._facts(s.id)
            s_tokens = vocab.tokens[s.id]
            window = s_tokens.union(*(vocab.tokens[n.id] for n in near))
            key = (s.doc_id, candidate.passage_start, candidate.passage_end)
            if key not in passage_tokens:
                passage_tokens[key] = frozenset().union(*(
                    vocab.tokens[x.id] for x in self.index.sentences_in(*key)))
            missing_window = q_tokens - window
            s_cov = coverage(s_tokens)
            s_coverages[row] = s_cov
            values = {
                "cosine": cosines[row],
                "neighbour_cosine": max((cosine_of[n.id] for n in near), default=0.0),
                "sentence_coverage": s_cov,
                "window_coverage": coverage(window),
                "passage_coverage": coverage(passage_tokens[key]),
                "bigram_coverage": len(q_bigrams & facts.bigrams) / len(q_bigrams) if q_bigrams else 0.0,
                "exact_word_share": len(q_content_words & facts.words) / len(q_content_words) if q_content_words else 0.0,
                "rare_words_matched": len(q_rare & s_tokens),
                "previous_coverage": coverage(vocab.tokens[s.id - 1])
                if s.id > 0 and sentences[s.id - 1].doc_id == s.doc_id else 0.0,
                "top_missing_idf": max((q_idf[t] for t in missing_window), default=0.0),
                "names_missing_sentence": _share_missing(q_names, s_tokens),
                "names_missing_window": _share_missing(q_names, window),
                "names_missing_document": _share_missing(q_names, vocab.document_tokens.get(s.doc_id, frozenset())),
                "names_unknown_corpus": q_unknown,
                "rare_words_missing_window": len(q_rare - window),
                "question_names": len(q_names),
                "passage_rank": candidate.passage_rank,
                "found_dense": candidate.found_dense,
                "found_lexical": candidate.found_lexical,
                "sentence_tokens": math.log1p(len(s_tokens)),
                "question_tokens": math.log1p(len(q_tokens)),
                "novelty": len(s_tokens - q_tokens) / len(s_tokens) if s_tokens else 0.0,
                "new_number": any(t[0].isdigit() and t not in q_numbers for t in s_tokens),
                "new_year": any(year not in question for year in facts.years),
                "new_name": any(word not in q_words_lower for word in facts.capitalised),
                "has_number_word": facts.number_word and bool(facts.words - q_words_lower),
                "negation_question": q_negated,
                "negation_sentence": facts.negated,
                f"asks_{q_type}": 1.0,
            }
            for name, value in values.items():
                out[row, _COLUMN[name]] = float(value)
        out[:, _COLUMN["cosine_gap"]] = cosines - cosines.max()
        out[:, _COLUMN["cosine_rank"]] = _ranks(cosines)
        out[:, _COLUMN["coverage_gap"]] = s_coverages - s_coverages.max()
        out[:, _COLUMN["coverage_rank"]] = _ranks(s_coverages)
        return out

    def _sentence_facts(self, sentence_id: int) -> SentenceFacts:
        s = self.index.sentences[sentence_id]
        return sentence_facts(self.index.text_of(s.doc_id, s.start, s.end))

    def _neighbours(self, sentence: Sentence) -> list[Sentence]:
        """The sentences just before and after, within the same article."""
        sentences = self.index.sentences
        return [sentences[i] for i in (sentence.id - 1, sentence.id + 1)
                if 0 <= i < len(sentences) and sentences[i].doc_id == sentence.doc_id]


_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}


def _share_missing(terms: set[str], tokens: Container[str]) -> float:
    return sum(1 for t in terms if t not in tokens) / len(terms) if terms else 0.0


def _ranks(values: np.ndarray) -> np.ndarray:
    """0 for the largest value, 1 for the next, ... (ties share the better rank)."""
    order = np.sort(values)[::-1]
    return np.searchsorted(-order, -values, side="left").astype(np.float32)
