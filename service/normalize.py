"""Typographic normalization with an offset map back to the original text.

A pasted quote rarely matches its article byte for byte: straight quotes for curly ones, a hyphen for
an em dash, '...' for '…' or '. . .', other spacing, other case. Both sides are normalized the same
way, and every normalized character remembers the span of original characters it came from, so a
match found in normalized text is reported at the article's own offsets, in its own wording.
"""

from __future__ import annotations

import threading
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

_QUOTES = dict.fromkeys("‘’‚‛′`´", "'") | dict.fromkeys("“”„‟″«»", '"')
_DASHES = dict.fromkeys("‐‑‒–—―−﹘﹣－", "-")
_SPECIAL = _QUOTES | _DASHES | {"…": "..."}


@dataclass(frozen=True)
class Normalized:
    """`text` is the normalized string; character i of it came from `original[starts[i]:ends[i]]`.
    The maps are int arrays (4 bytes a character), not tuples of int objects (about 36 bytes each):
    every article is kept normalized for quote lookup, so this is most of its memory."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets covering normalized `text[start:end]` (requires start < end)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"normalized span [{start}, {end}) outside 0..{len(self.text)}")
        return self.starts[start], self.ends[end - 1]


_documents: dict[str, dict[str, object]] = {}  # the served corpus's texts -> what was derived from each
_documents_lock = threading.Lock()
T = TypeVar("T")


def keep_documents(texts: Iterable[str]) -> None:
    """The articles of the index being served: what is derived from each (its folding, its words) is
    kept, so that the next engine (every live write builds one) reuses it instead of deriving it for
    every article again (6 s for a 1 MB one). Texts no longer in the corpus are dropped."""
    global _documents
    with _documents_lock:
        _documents = {text: _documents.get(text, {}) for text in texts}


def per_document(kind: str, text: str, derive: Callable[[str], T]) -> T:
    """`derive(text)`, remembered under `kind` while `text` is a kept article. Only for immutable
    results: they are shared by every engine over that article."""
    derived = _documents.get(text)
    if derived is None:
        return derive(text)
    if kind not in derived:
        value = derive(text)
        with _documents_lock:
            derived.setdefault(kind, value)
    return derived[kind]  # type: ignore[return-value]


def normalize(original: str) -> Normalized:
    """Fold quotes, dashes, ellipses, whitespace and case; keep the map to `original`."""
    return per_document("normalized", original, _normalize)


def _normalize(original: str) -> Normalized:
    """Fold quotes, dashes, ellipses, whitespace and case; keep the map to `original`."""
    chars: list[list] = []  # [char, original start, original end]
    for i, c in enumerate(original):
        if c.isspace():
            if chars and chars[-1][0] == " ":
                chars[-1][2] = i + 1  # a run of whitespace is one space
            else:
                chars.append([" ", i, i + 1])
            continue
        folded = _SPECIAL.get(c) or unicodedata.normalize("NFKC", c.casefold())
        chars.extend([f, i, i + 1] for f in folded)
    kept = [c for j, c in enumerate(chars) if not (c[0] == " " and _space_is_typography(chars, j))]
    return Normalized("".join(c[0] for c in kept), array("i", [c[1] for c in kept]), array("i", [c[2] for c in kept]))


def _space_is_typography(chars: list[list], j: int) -> bool:
    """Spaces at the ends, around dashes ('a — b' = 'a—b') and around ellipses ('. . .' = '...',
    'word ...' = 'word...') are typesetting, not wording."""
    if j == 0 or j == len(chars) - 1:
        return True
    before, after = chars[j - 1][0], chars[j + 1][0]
    if before == "-" or after == "-" or (before == "." and after == "."):
        return True
    return _dots_at(chars, j + 1, step=1) or _dots_at(chars, j - 1, step=-1)


def _dots_at(chars: list[list], j: int, step: int) -> bool:
    """Whether an ellipsis (three dots, possibly spaced) starts at j going in direction `step`."""
    dots = 0
    while 0 <= j < len(chars) and chars[j][0] in ". ":
        dots += chars[j][0] == "."
        if dots == 3:
            return True
        j += step
    return False


def is_word_char(c: str) -> bool:
    """Letters and digits of space-separated scripts; CJK text has no word boundaries to respect."""
    return c.isalnum() and not ("\u2e80" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff" or "\uac00" <= c <= "\ud7af")
