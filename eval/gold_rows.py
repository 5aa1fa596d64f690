"""The gold files as written: one JSON object per line, each checked against its schema. A misspelt
field is named (extra="forbid"), not silently ignored, and each problem carries 'file:line (id)'."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from enum import Enum
from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

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
    altered = "altered"  # a figure or a negation differs from the source
    paraphrase = "paraphrase"
    not_found = "not_found"


KIND_OF_VERDICT = {Verdict.exact: QuoteKind.verbatim, Verdict.near: QuoteKind.altered,
                   Verdict.altered: QuoteKind.altered, Verdict.paraphrase: QuoteKind.paraphrase,
                   Verdict.not_found: QuoteKind.fabricated}


class GoldError(ValueError):
    """A gold file does not match its format or the corpus; `problems` are 'file:line: what to fix'."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_REPORTED] + ([f"... and {len(problems) - MAX_REPORTED} more"]
                                           if len(problems) > MAX_REPORTED else [])
        super().__init__("\n".join(shown))
        self.problems = problems


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


def read_rows(path: Path, model: type[_Row], problems: list[str]) -> Iterator[tuple[str, _Row]]:
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
