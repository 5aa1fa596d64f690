"""Gold data: questions with evidence and quote-lookup cases, resolved to character spans."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from index.corpus import Document

EVAL_DIR = Path(__file__).resolve().parent
QUESTIONS = EVAL_DIR / "questions.jsonl"
QUOTES = EVAL_DIR / "quotes.jsonl"


class QuestionType(str, Enum):
    fact = "fact"
    number = "number"
    entity = "entity"
    multi_doc = "multi_doc"
    author = "author"
    term = "term"
    why_how = "why_how"
    unanswerable = "unanswerable"


class QuoteKind(str, Enum):
    verbatim = "verbatim"
    altered = "altered"
    paraphrase = "paraphrase"
    fabricated = "fabricated"


@dataclass(frozen=True, slots=True)
class GoldSpan:
    doc_id: str
    start: int
    end: int

    def overlaps(self, doc_id: str, start: int, end: int) -> bool:
        return doc_id == self.doc_id and start < self.end and end > self.start


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answer: str | None
    evidence: tuple[GoldSpan, ...]
    type: QuestionType

    @property
    def answerable(self) -> bool:
        return self.answer is not None


@dataclass(frozen=True)
class GoldQuote:
    id: str
    text: str
    kind: QuoteKind
    alteration: str | None
    expected: str
    sources: tuple[GoldSpan, ...]


class GoldError(ValueError):
    """A gold file does not match the corpus; the message names the case."""


def load_questions(documents: dict[str, Document], path: Path = QUESTIONS) -> list[GoldQuestion]:
    questions = []
    for row in _rows(path):
        kind = _enum(QuestionType, row["type"], row["id"])
        evidence = _spans(row["id"], row["evidence"], documents)
        answer = row["answer"]
        if answer is not None and not evidence:
            raise GoldError(f"{row['id']}: an answer needs evidence")
        if answer is not None and answer not in documents[row["evidence"][0]["doc"]].text:
            raise GoldError(f"{row['id']}: answer {answer!r} is not in {row['evidence'][0]['doc']}")
        if (answer is None) != (kind is QuestionType.unanswerable):
            raise GoldError(f"{row['id']}: only unanswerable questions have a null answer")
        questions.append(GoldQuestion(row["id"], row["question"], answer, evidence, kind))
    _unique(path, [q.id for q in questions])
    return questions


def load_quotes(documents: dict[str, Document], path: Path = QUOTES) -> list[GoldQuote]:
    quotes = [
        GoldQuote(row["id"], row["text"], _enum(QuoteKind, row["kind"], row["id"]), row.get("alteration"),
                  _expected(row["expected"], row["id"]),
                  _spans(row["id"], row["sources"], documents))
        for row in _rows(path)
    ]
    _unique(path, [q.id for q in quotes])
    return quotes


def _spans(case_id: str, items: list[dict], documents: dict[str, Document]) -> tuple[GoldSpan, ...]:
    """Each {doc, quote} becomes the span of that quote; the n-th repeat of a quote is its n-th occurrence."""
    spans, seen = [], {}
    for item in items:
        doc = documents.get(item["doc"])
        if doc is None:
            raise GoldError(f"{case_id}: unknown document {item['doc']!r}")
        key = (item["doc"], item["quote"])
        start = -1
        for _ in range(seen.get(key, 0) + 1):
            start = doc.text.find(item["quote"], start + 1)
        if start < 0 or not item["quote"]:
            raise GoldError(f"{case_id}: quote {item['quote'][:60]!r} is not (that often) in {item['doc']}")
        seen[key] = seen.get(key, 0) + 1
        spans.append(GoldSpan(item["doc"], start, start + len(item["quote"])))
    return tuple(spans)


VERDICTS = ("exact", "near", "paraphrase", "not_found")


def _enum(cls, value: str, case_id: str):
    try:
        return cls(value)
    except ValueError:
        raise GoldError(f"{case_id}: unknown {cls.__name__} {value!r}; valid: "
                        f"{', '.join(m.value for m in cls)}") from None


def _expected(value: str, case_id: str) -> str:
    if value not in VERDICTS:
        raise GoldError(f"{case_id}: unknown expected verdict {value!r}; valid: {', '.join(VERDICTS)}")
    return value


def _rows(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise GoldError(f"{path.name}:{number}: not JSON ({exc})") from exc
    return rows


def _unique(path: Path, ids: list[str]) -> None:
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise GoldError(f"{path.name}: duplicate ids {duplicates}")
