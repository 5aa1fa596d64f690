"""Gold data: questions with evidence and quote-lookup cases, validated against the corpus and resolved
to character spans. The format is in the README ("Your own articles and gold set"); every problem is
reported with the file, the line and what to fix, all at once, so a new gold file is fixed in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eval.evidence import Evidence, GoldSpan, Locator
from eval.gold_rows import (KIND_OF_VERDICT, EvidenceRow, GoldError, QuestionRow, QuestionType, QuoteKind, QuoteRow,
                            Verdict, read_rows)
from index.corpus import Document

EVAL_DIR = Path(__file__).resolve().parent
QUESTIONS = EVAL_DIR / "questions.jsonl"
QUOTES = EVAL_DIR / "quotes.jsonl"


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answer: str | None
    evidence: tuple[Evidence, ...]
    type: QuestionType

    @property
    def answerable(self) -> bool:
        return self.answer is not None

    @property
    def spans(self) -> tuple[GoldSpan, ...]:
        """Every place any of its evidence stands."""
        return tuple(span for item in self.evidence for span in item.occurrences)


@dataclass(frozen=True)
class GoldQuote:
    id: str
    text: str
    kind: QuoteKind
    alteration: str | None
    expected: str
    sources: tuple[GoldSpan, ...]  # every occurrence of every source: /cite must list them all


@dataclass(frozen=True)
class GoldSet:
    """What one eval run judges: questions, quote cases, or both, and the files they came from."""

    questions: list[GoldQuestion]
    quotes: list[GoldQuote]
    files: dict[str, str]

    @property
    def texts(self) -> dict[str, str]:
        """Each case id's question or quote, so a report names what broke, not only its id."""
        return {**{q.id: q.question for q in self.questions}, **{q.id: q.text for q in self.quotes}}


def load_gold(documents: dict[str, Document], questions: Path | None = None,
              quotes: Path | None = None) -> GoldSet:
    """The named files; with neither named, the project's own. Problems of both files are reported together."""
    if questions is None and quotes is None:
        questions, quotes = QUESTIONS, QUOTES
    loaded, problems = {}, []
    for name, path, load in (("questions", questions, load_questions), ("quotes", quotes, load_quotes)):
        if path is None:
            continue
        try:
            loaded[name] = load(documents, path)
        except GoldError as exc:
            problems += exc.problems
    if not problems:
        shared = sorted({q.id for q in loaded.get("questions", [])} & {q.id for q in loaded.get("quotes", [])})
        if shared:
            problems.append(f"{quotes}: ids {', '.join(shared)} are also question ids in {questions}; "
                            "a report names cases by id, so give each its own")
    if problems:
        raise GoldError(problems)
    files = {name: _shown(path) for name, path in (("questions", questions), ("quotes", quotes)) if path}
    return GoldSet(loaded.get("questions", []), loaded.get("quotes", []), files)


def load_questions(documents: dict[str, Document], path: Path = QUESTIONS) -> list[GoldQuestion]:
    locator, problems, questions = Locator(documents), [], []
    for where, row in read_rows(path, QuestionRow, problems):
        kind = row.type or (QuestionType.unanswerable if row.answer is None else QuestionType.fact)
        evidence = _evidence(where, "evidence", row.evidence, locator, problems)
        if (row.answer is None) != (kind is QuestionType.unanswerable):
            problems.append(f"{where}: type 'unanswerable' and answer null go together; "
                            f"this one has type {kind.value!r} and answer {row.answer!r}")
        elif row.answer is None and row.evidence:
            problems.append(f"{where}: an unanswerable question (answer null) has no evidence; remove it")
        elif row.answer is not None and not row.evidence:
            problems.append(f"{where}: add evidence: where in the articles does the answer stand?")
        elif evidence is not None and row.answer is not None and not locator.within(row.answer, evidence):
            problems.append(f"{where}: answer {row.answer!r} is not in its evidence; "
                            "the answer should be words of the evidence")
        if evidence is not None:
            questions.append(GoldQuestion(row.id, row.question, row.answer, evidence, kind))
    return _checked(path, questions, problems, "questions")


def load_quotes(documents: dict[str, Document], path: Path = QUOTES) -> list[GoldQuote]:
    locator, problems, quotes = Locator(documents), [], []
    for where, row in read_rows(path, QuoteRow, problems):
        evidence = _evidence(where, "sources", row.sources, locator, problems)
        if (row.expected is Verdict.not_found) != (not row.sources):
            problems.append(f"{where}: a quote expected 'not_found' has no sources, and every other one "
                            "needs them (where it comes from)")
        if evidence is not None:
            sources = tuple(dict.fromkeys(span for item in evidence for span in item.occurrences))
            quotes.append(GoldQuote(row.id, row.text, row.kind or KIND_OF_VERDICT[row.expected],
                                    row.alteration, row.expected.value, sources))
    return _checked(path, quotes, problems, "quote cases")


def _shown(path: Path) -> str:
    """Relative to the working directory when inside it, so a recorded baseline reads the same anywhere."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _evidence(where: str, field: str, rows: list[EvidenceRow], locator: Locator,
              problems: list[str]) -> tuple[Evidence, ...] | None:
    """Each row located in its article; None when any of them is not (the problems say why)."""
    located, failed = [], False
    for number, row in enumerate(rows):
        try:
            item = locator.locate(row.doc, row.quote, row.start, row.end)
        except LookupError as exc:
            problems.append(f"{where}: {field}[{number}]: {exc}")
            failed = True
            continue
        if item in located:
            problems.append(f"{where}: {field}[{number}] repeats {field}[{located.index(item)}]; "
                            "a quote already stands for every place it occurs")
            failed = True
        located.append(item)
    return None if failed else tuple(located)


def _checked(path: Path, cases: list, problems: list[str], what: str) -> list:
    if problems:
        raise GoldError(problems)
    if not cases:
        raise GoldError([f"{path}: no {what}; the file needs one JSON object per line (see README)"])
    return cases
