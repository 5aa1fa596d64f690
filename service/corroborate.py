"""Corroboration: other articles that state what the answer sentence states.

A sentence elsewhere corroborates when it means nearly the same (sentence-embedding cosine) and
shares the answer's informative words — numbers above all, so "870,000 at the end of 2024" in one
article finds "870,000 ... at the end of 2024" in another but not a different figure."""

from __future__ import annotations

from dataclasses import dataclass

from index.sentences import Sentence
from index.store import CorpusIndex
from service.vocabulary import SentenceVocabulary


@dataclass(frozen=True)
class CorroborationRule:
    min_similarity: float = 0.6
    min_shared_coverage: float = 0.3  # IDF-weighted share of the answer's words in the other sentence
    search_depth: int = 50


def corroborating_sentences(index: CorpusIndex, vocabulary: SentenceVocabulary, answer: Sentence,
                            rule: CorroborationRule = CorroborationRule()) -> list[tuple[Sentence, float]]:
    """Best sentence per other document that states the same thing, most similar first."""
    vector = index.backend.sentence_rows([answer.id])[0]
    answer_tokens = vocabulary.tokens[answer.id]
    answer_numbers = {t for t in answer_tokens if t[0].isdigit()}
    best: dict[str, tuple[Sentence, float]] = {}
    for hit in index.backend.similar_sentences(vector, rule.search_depth):
        sentence, score = index.sentences[hit.row], hit.score
        if sentence.doc_id == answer.doc_id or sentence.doc_id in best or score < rule.min_similarity:
            continue
        tokens = vocabulary.tokens[sentence.id]
        if answer_numbers and not answer_numbers & tokens:
            continue  # a figure is the claim: without it the sentence says something else
        if vocabulary.coverage(answer_tokens, tokens) < rule.min_shared_coverage:
            continue
        best[sentence.doc_id] = (sentence, float(score))
    return sorted(best.values(), key=lambda pair: -pair[1])
