"""The gold files are only useful if every answer and quote really is in the articles."""

import collections
import json

import pytest

from eval.gold import GoldError, QuestionType, QuoteKind, load_questions, load_quotes
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
            first = q.evidence[0]
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


def _write(tmp_path, rows):
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_a_quote_not_in_its_article_is_refused(tmp_path):
    row = {"id": "q1", "question": "?", "answer": "870,000", "type": "number",
           "evidence": [{"doc": "001_549853e61d50ae2c", "quote": "about 870,001 Chinese"}]}
    with pytest.raises(GoldError, match="q1: quote 'about 870,001 Chinese' is not"):
        load_questions(DOCS, _write(tmp_path, [row]))


def test_duplicate_ids_and_unknown_types_are_refused(tmp_path):
    row = {"id": "q1", "question": "?", "answer": None, "type": "unanswerable", "evidence": []}
    with pytest.raises(GoldError, match=r"duplicate ids \['q1'\]"):
        load_questions(DOCS, _write(tmp_path, [row, row]))
    with pytest.raises(GoldError, match="q1: unknown QuestionType 'guess'; valid: fact, number"):
        load_questions(DOCS, _write(tmp_path, [{**row, "type": "guess"}]))
