"""The gold files are only useful if every answer and quote really is in the articles."""

import collections

from eval.gold import QuestionType, QuoteKind, load_questions, load_quotes
from index.corpus import load_corpus
from tests.conftest import SEEDS

DOCS = load_corpus(SEEDS)


def test_questions_are_valid_and_cover_every_type():
    questions = load_questions(DOCS)
    counts = collections.Counter(q.type for q in questions)
    assert len(questions) >= 60
    assert counts[QuestionType.unanswerable] >= 10
    assert set(counts) == set(QuestionType)
    for q in questions:
        if q.answerable:
            first = q.spans[0]
            assert q.answer in DOCS[first.doc_id].text[first.start:first.end], f"{q.id}: answer outside evidence"
        else:
            assert q.evidence == ()
    multi = [q for q in questions if q.type is QuestionType.multi_doc]
    assert all(len({s.doc_id for s in q.evidence}) >= 2 for q in multi)


def test_quotes_are_valid_and_cover_every_kind():
    quotes = load_quotes(DOCS)
    counts = collections.Counter(q.kind for q in quotes)
    assert len(quotes) >= 30 and set(counts) == set(QuoteKind)
    for quote in quotes:
        assert (quote.expected == "not_found") == (quote.sources == ())
        if quote.kind is QuoteKind.verbatim:
            assert all(DOCS[s.doc_id].text[s.start:s.end] == quote.text for s in quote.sources)
    twice = [q for q in quotes if len(q.sources) > 1 and len({s.doc_id for s in q.sources}) == 1]
    assert twice, "at least one quote occurs twice in one article"
    assert all(len({(s.start, s.end) for s in q.sources}) == len(q.sources) for q in twice)
