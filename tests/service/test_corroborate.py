"""Corroboration on the three-article corpus: the same claim in another article, and only that."""

from __future__ import annotations

import pytest

from service.corroborate import CorroborationRule, corroborating_sentences


def _sentence(engine, doc_id: str, start: int):
    return next(s for s in engine.index.sentences if s.doc_id == doc_id and s.start == start)


def _found(engine, sentence, rule=None) -> list[tuple[str, int, int]]:
    pairs = corroborating_sentences(engine.index, engine.vocabulary, sentence, rule or engine.corroboration)
    return [(s.doc_id, s.start, s.end) for s, _ in pairs]


@pytest.mark.parametrize("doc_id,start,expected", [
    ("tokyo-schools", 0, [("run-to-japan", 22, 119)]),  # 870,000 at the end of 2024, in other words
    ("run-to-japan", 22, [("tokyo-schools", 0, 98)]),
    ("tokyo-schools", 312, [("visa-reform", 376, 433)]),  # one per other article: its best sentence
    ("visa-reform", 0, [("tokyo-schools", 312, 369)]),  # never the answer's own article
    ("run-to-japan", 120, []),  # a claim no other article makes
])
def test_another_article_stating_the_same_claim_corroborates(small_engine, doc_id, start, expected):
    assert _found(small_engine, _sentence(small_engine, doc_id, start)) == expected


def test_a_sentence_without_the_answers_figure_never_corroborates(small_engine):
    """Lower every threshold: the title shares words with the 870,000 sentence, but not its figures."""
    loose = CorroborationRule(min_similarity=0.0, min_shared_coverage=0.0)
    found = _found(small_engine, _sentence(small_engine, "tokyo-schools", 0), loose)
    assert found == [("run-to-japan", 22, 119)]


def test_the_ask_response_lists_the_corroboration_with_its_similarity(small_engine):
    result = small_engine.ask("How many Chinese nationals lived in Japan at the end of 2024?")
    [other] = result.also_reported_in
    assert (other.doc_id, other.start, other.end, other.publication) == ("run-to-japan", 22, 119, "Asia Media Centre")
    assert other.similarity == 0.669
    highlighted = {(p.doc_id, h.start, h.end) for p in result.passages for h in p.highlights}
    assert highlighted == {("tokyo-schools", 0, 98), ("run-to-japan", 22, 119)}
