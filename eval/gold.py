"""Gold data: questions with evidence and quote-lookup cases, validated against the corpus and resolved
to character spans. The format is in the README ("Your own gold set"); every problem is reported with
the file, the line and what to fix, all at once, so a new gold file is fixed in one pass."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from eval.evidence import Evidence, GoldSpan, Locator
from index.corpus import Document

EVAL_DIR = Path(__file__).resolve().parent
QUESTIONS = EVAL_DIR / "questions.jsonl"
QUOTES = EVAL_DIR / "quotes.jsonl"
MAX_REPORTED = 20  # problems listed before "... and N more"


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


class Verdict(str, Enum):
    """What `/cite` should answer for a quote case."""

    exact = "exact"
    near = "near"
    paraphrase = "paraphrase"
    not_found = "not_found"


KIND_OF_VERDICT = {Verdict.exact: QuoteKind.verbatim, Verdict.near: QuoteKind.altered,
                   Verdict.paraphrase: QuoteKind.paraphrase, Verdict.not_found: QuoteKind.fabricated}


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


class GoldError(ValueError):
    """A gold file does not match its format or the corpus; `problems` are 'file:line: what to fix'."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_REPORTED] + ([f"... and {len(problems) - MAX_REPORTED} more"]
                                           if len(problems) > MAX_REPORTED else [])
        super().__init__("\n".join(shown))
        self.problems = problems


# The rows as written. extra="forbid": a misspelt field is named, not silently ignored.

class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvidenceRow(_Row):
    """A quote (every occurrence counts), or offsets (`quote` then checks them)."""

    doc: str = Field(min_length=1, validation_alias=AliasChoices("doc", "doc_id"))
    quote: str | None = Field(default=None, min_length=1)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _quote_or_offsets(self) -> EvidenceRow:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is None and self.quote is None:
            raise ValueError("give the quote (copied from the article) or start and end offsets")
        if self.start is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        return self


class QuestionRow(_Row):
    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str | None = Field(min_length=1, description="null for a question the articles do not answer")
    evidence: list[EvidenceRow] = []
    type: QuestionType | None = None  # default: fact, or unanswerable when the answer is null


class QuoteRow(_Row):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    expected: Verdict
    sources: list[EvidenceRow] = []
    kind: QuoteKind | None = None  # default follows `expected`
    alteration: str | None = None


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
    for where, row in _rows(path, QuestionRow, problems):
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
    for where, row in _rows(path, QuoteRow, problems):
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


def _rows(path: Path, model: type[_Row], problems: list[str]):
    """(where, row) for each valid line; a bad line is a problem and is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldError([f"{path}: cannot read ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise GoldError([f"{path}: not UTF-8 (byte {exc.start}); save it as UTF-8"]) from exc
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc.msg} at column {exc.colno}); one JSON object per line")
            continue
        case = data.get("id") if isinstance(data, dict) else None
        if isinstance(case, str) and case:
            where += f" ({case})"
            if case in first_line:
                problems.append(f"{where}: duplicate id; {case!r} is already used on line {first_line[case]}")
                continue
            first_line[case] = number
        try:
            yield where, model.model_validate(data)
        except ValidationError as exc:
            problems.extend(f"{where}: {_field(e['loc'])}{_message(e, model)}" for e in exc.errors())


def _field(loc: tuple) -> str:
    name = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    return f"{name}: " if name else ""


def _message(error: dict, model: type[_Row]) -> str:
    if error["type"] == "extra_forbidden":
        names = [n for n in model.model_fields] if len(error["loc"]) == 1 else list(EvidenceRow.model_fields)
        close = difflib.get_close_matches(str(error["loc"][-1]), names, n=1)
        return "unknown field" + (f"; did you mean {close[0]!r}?" if close else f"; fields: {', '.join(names)}")
    if error["type"] == "model_type":
        return "expected a JSON object"
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return error["msg"][0].lower() + error["msg"][1:]


def _checked(path: Path, cases: list, problems: list[str], what: str) -> list:
    if problems:
        raise GoldError(problems)
    if not cases:
        raise GoldError([f"{path}: no {what}; the file needs one JSON object per line (see README)"])
    return cases
