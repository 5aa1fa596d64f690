"""Sentence splitting with exact offsets: answers and quote lookup work sentence by sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? … (or CJK 。！？), optionally followed by closing quotes/brackets,
# then whitespace; a spaced ellipsis '. . .' counts as one mark. Lines are always boundaries:
# these articles put headings and captions on their own line.
_END = re.compile(r"(?:\.(?:[ \u00a0]\.)+|[.!?…。！？]+)[\"'”’)\]]*(?=\s)|[。！？]")
# Abbreviations that end in a period but rarely end a sentence.
_ABBREVIATIONS = {"u.s", "u.k", "mr", "mrs", "ms", "dr", "st", "vs", "e.g", "i.e", "no", "jr", "sr", "inc", "co"}


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    """Where one sentence stands in a text (split_sentences' result)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the index: row `id` of the sentence vectors, at doc_id's text[start:end]."""

    id: int
    doc_id: str
    start: int
    end: int


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[SentenceSpan]:
    """Sentences of `text[start:end]` as spans into `text`, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[SentenceSpan] = []
    line_start = start
    for line_end in _line_ends(text, start, end):
        spans.extend(_split_line(text, line_start, line_end))
        line_start = line_end + 1
    return spans


def _line_ends(text: str, start: int, end: int):
    pos = text.find("\n", start, end)
    while pos != -1:
        yield pos
        pos = text.find("\n", pos + 1, end)
    yield end


def _split_line(text: str, start: int, end: int) -> list[SentenceSpan]:
    spans = []
    cursor = start
    for match in _END.finditer(text, start, end):
        if _is_abbreviation(text, cursor, match.start()) or _continues_lowercase(text, match.end(), end):
            continue
        spans.append(_trimmed(text, cursor, match.end()))
        cursor = match.end()
    spans.append(_trimmed(text, cursor, end))
    return [s for s in spans if s.end > s.start]


def _is_abbreviation(text: str, cursor: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = text[cursor:dot].rsplit(None, 1)[-1].lower() if text[cursor:dot].strip() else ""
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _continues_lowercase(text: str, pos: int, end: int) -> bool:
    """'. . . That' ends a sentence; '... and so' or 'U.S. tariffs' does not."""
    rest = text[pos:end].lstrip()
    return bool(rest) and rest[0].islower()


def _trimmed(text: str, start: int, end: int) -> SentenceSpan:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return SentenceSpan(start, end)
