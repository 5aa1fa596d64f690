"""Pasted text cut into pieces that can be aligned one at a time, so a check costs time in proportion
to the text's length instead of its square.

A piece ends at an ellipsis (`...`, `…`, `. . .`, `[...]`: the writer left something out there) and
is at most `max_chars` long, cut at a sentence end when one is near, else at a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import split_sentences
from service.normalize import is_word_char

_ELLIPSIS = re.compile(r"\[\s*(?:…|\.(?:\s?\.){2,})\s*\]|…|\.(?:\s?\.){2,}")


@dataclass(frozen=True, slots=True)
class Piece:
    """`text[start:end]` of the pasted text; `after_ellipsis`: an ellipsis separates it from the piece
    before it (the writer marked an omission there)."""

    start: int
    end: int
    after_ellipsis: bool = False


@dataclass(frozen=True)
class Pieces:
    items: list[Piece]
    leading_ellipsis: bool   # the text opens with an ellipsis: its first piece starts mid-sentence
    trailing_ellipsis: bool  # the text ends with one: the sentence goes on in the source

    @property
    def has_ellipsis(self) -> bool:
        return self.leading_ellipsis or self.trailing_ellipsis or any(p.after_ellipsis for p in self.items)


def split_pieces(text: str, start: int = 0, end: int | None = None, max_chars: int = 400) -> Pieces:
    """The pieces of `text[start:end]`; a stretch without a word (quote marks, punctuation) is none."""
    end = len(text) if end is None else end
    items: list[Piece] = []
    leading, marked = False, False  # `marked`: an ellipsis since the last piece
    cursor = start
    for stop, resume in [(m.start(), m.end()) for m in _ELLIPSIS.finditer(text, start, end)] + [(end, end)]:
        parts = _cut(text, cursor, stop, max_chars)
        if parts:
            leading = leading or (marked and not items)
            items += [Piece(s, e, after_ellipsis=marked and bool(items) and k == 0)
                      for k, (s, e) in enumerate(parts)]
            marked = False
        if resume > stop:
            marked = True
        cursor = resume
    return Pieces(items, leading_ellipsis=leading, trailing_ellipsis=marked and bool(items))


def _cut(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """`text[start:end]` trimmed, in parts of at most `max_chars`; [] when it holds no word."""
    if not any(is_word_char(c) or (not c.isascii() and c.isalnum()) for c in text[start:end]):
        return []
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    parts = []
    while end - start > max_chars:
        cut = _cut_point(text, start, start + max_chars)
        parts.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    parts.append((start, end))
    return [p for p in parts if p[1] > p[0]]


def _cut_point(text: str, start: int, limit: int) -> int:
    """The last sentence end in the second half of text[start:limit], else its last space, else limit."""
    ends = [s.end for s in split_sentences(text, start, limit)[:-1] if s.end > (start + limit) // 2]
    if ends:
        return ends[-1]
    space = text.rfind(" ", (start + limit) // 2, limit)
    return space if space > start else limit
