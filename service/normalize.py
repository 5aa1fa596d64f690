"""Typographic normalization with an offset map back to the original text.

A pasted quote rarely matches its article byte for byte: straight quotes for curly ones, a hyphen for
an em dash, '...' for '…' or '. . .', other spacing, other case. Both sides are normalized the same
way, and every normalized character remembers the span of original characters it came from, so a
match found in normalized text is reported at the article's own offsets, in its own wording.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_QUOTES = dict.fromkeys("‘’‚‛′`´", "'") | dict.fromkeys("“”„‟″«»", '"')
_DASHES = dict.fromkeys("‐‑‒–—―−﹘﹣－", "-")
_SPECIAL = _QUOTES | _DASHES | {"…": "..."}


class OffsetMap:
    """Where each normalized character came from, `original[start(k):end(k)]`, stored only where the
    common case breaks: most characters come from the one original character after the previous
    one's, so only the others ("anchors": after a collapsed run of spaces, a dropped space, an
    ellipsis or a ligature unfolded) are kept, about one in 230 in news articles. When every article
    was kept normalized for quote lookup, a full map (8 bytes a character) was most of that memory."""

    __slots__ = ("_at", "_start", "_end", "_size")

    def __init__(self, starts: Sequence[int], ends: Sequence[int]) -> None:
        first = np.asarray(starts, dtype=np.int64)
        last = np.asarray(ends, dtype=np.int64)
        continues = np.zeros(len(first), dtype=bool)
        if len(first) > 1:
            continues[1:] = (first[1:] == first[:-1] + 1) & (last[1:] == first[1:] + 1)
        anchors = np.flatnonzero(~continues)
        self._at = array("i", anchors.astype(np.int32).tobytes())
        self._start = array("i", first[anchors].astype(np.int32).tobytes())
        self._end = array("i", last[anchors].astype(np.int32).tobytes())
        self._size = len(first)

    def __len__(self) -> int:
        return self._size

    def start(self, k: int) -> int:
        j = bisect_right(self._at, k) - 1
        return self._start[j] + (k - self._at[j])

    def end(self, k: int) -> int:
        j = bisect_right(self._at, k) - 1
        return self._end[j] if self._at[j] == k else self._start[j] + (k - self._at[j]) + 1

    def first_at_or_after(self, offset: int) -> int:
        """The first k whose start(k) >= `offset` (len when none): bisect over the starts."""
        j = bisect_left(self._start, offset)  # the first anchor starting at or after it
        candidate = self._at[j] if j < len(self._at) else self._size
        if j > 0:  # a character inside the run before that anchor may start there already
            k = self._at[j - 1] + (offset - self._start[j - 1])
            if k < candidate:
                return k
        return candidate

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OffsetMap) and (self._at, self._start, self._end, self._size) == \
            (other._at, other._start, other._end, other._size)

    __hash__ = None  # type: ignore[assignment]

    def starts(self) -> list[int]:
        return [self.start(k) for k in range(self._size)]

    def ends(self) -> list[int]:
        return [self.end(k) for k in range(self._size)]


@dataclass(frozen=True)
class Normalized:
    """`text` is the normalized string; character k of it came from
    `original[offsets.start(k):offsets.end(k)]`."""

    text: str
    offsets: OffsetMap

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets covering normalized `text[start:end]` (requires start < end)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"normalized span [{start}, {end}) outside 0..{len(self.text)}")
        return self.offsets.start(start), self.offsets.end(end - 1)

    def index_at(self, offset: int) -> int:
        """The first normalized character that comes from `offset` of the original or after it."""
        return self.offsets.first_at_or_after(offset)


# Normalized texts kept: quote lookup normalizes the few articles that can hold a quote (its phrase
# index, service/phrase_index.py, names them) and the quotes themselves. Keeping every article
# normalized took about 0.8 GB at a million chunks.
NORMALIZED_KEPT = 512


@lru_cache(maxsize=NORMALIZED_KEPT)
def normalize(original: str) -> Normalized:
    """Fold quotes, dashes, ellipses, whitespace and case; keep the map to `original`."""
    return _normalize(original)


# Printable ASCII that folds to itself lower-cased, one character for one, with single spaces between:
# most of an English article. The backtick is a quote mark (_QUOTES), so it takes the general path.
_PLAIN_RUN = re.compile(r"[!-_a-~]+(?: [!-_a-~]+)*")
# Only a space at either end or beside a dash, a dot or another space can be typography.
_MAYBE_TYPOGRAPHY = re.compile(r"(?<=[-. ]) | (?=[-. ])|^ | $")


def _normalize(original: str) -> Normalized:
    """Fold quotes, dashes, ellipses, whitespace and case; keep the map to `original`.

    Runs of plain ASCII are folded a run at a time (lower-cased, offsets one to one, as int ranges);
    every other character is folded on its own. Folding each character alone took 2.8 us a character
    (100 s to start serving 38 MB of articles); a list entry per character, 0.18 us (3.7 ms for a 21
    KB article, the cost of checking one more article for a quote)."""
    texts: list[str] = []  # the folded text, piece by piece ...
    starts: list[np.ndarray] = []  # ... and the original span each of its characters came from
    ends: list[np.ndarray] = []

    def fold_each(lo: int, hi: int) -> None:
        chars: list[str] = []
        first: list[int] = []
        last: list[int] = []
        _fold_each(original, lo, hi, chars, first, last)
        texts.append("".join(chars))
        starts.append(np.array(first, dtype=np.int64))
        ends.append(np.array(last, dtype=np.int64))

    at = 0
    for run in _PLAIN_RUN.finditer(original):
        a, b = run.span()
        if at < a:
            fold_each(at, a)
        texts.append(run.group().lower())
        starts.append(np.arange(a, b, dtype=np.int64))
        ends.append(np.arange(a + 1, b + 1, dtype=np.int64))
        at = b
    if at < len(original):
        fold_each(at, len(original))
    text = "".join(texts)
    first = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    last = np.concatenate(ends) if ends else np.zeros(0, np.int64)
    dropped = [m.start() for m in _MAYBE_TYPOGRAPHY.finditer(text) if _space_is_typography(text, m.start())]
    if dropped:
        keep = np.ones(len(text), dtype=bool)
        keep[dropped] = False
        text = "".join(text[i + 1:j] for i, j in zip([-1, *dropped], [*dropped, len(text)]))
        first, last = first[keep], last[keep]
    return Normalized(text, OffsetMap(first, last))


def _fold_each(original: str, lo: int, hi: int, chars: list[str], starts: list[int], ends: list[int]) -> None:
    """Fold original[lo:hi] character by character: a run of whitespace is one space."""
    for i in range(lo, hi):
        c = original[i]
        if c.isspace():
            if chars and chars[-1] == " ":
                ends[-1] = i + 1
            else:
                chars.append(" ")
                starts.append(i)
                ends.append(i + 1)
            continue
        for f in _fold_char(c):
            chars.append(f)
            starts.append(i)
            ends.append(i + 1)


def _fold_char(c: str) -> str:
    return _SPECIAL.get(c) or unicodedata.normalize("NFKC", c.casefold())


def folded_words_text(original: str) -> str:
    """A string with the same words as `normalize(original).text`, in a tenth of the time: ASCII
    lower-cased, every other character folded as `normalize` folds it, and no offset map or spacing
    rules (a space those rules drop always stands beside a dash, a dot or another space)."""
    if original.isascii():
        return original.lower()
    parts, at = [], 0
    for run in _NON_ASCII.finditer(original):
        parts.append(original[at:run.start()].lower())
        parts.extend(" " if c.isspace() else _fold_char(c) for c in run.group())
        at = run.end()
    parts.append(original[at:].lower())
    return "".join(parts)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _space_is_typography(chars: Sequence[str], j: int) -> bool:
    """Spaces at the ends, around dashes ('a — b' = 'a—b') and around ellipses ('. . .' = '...',
    'word ...' = 'word...') are typesetting, not wording."""
    if j == 0 or j == len(chars) - 1:
        return True
    before, after = chars[j - 1], chars[j + 1]
    if before == "-" or after == "-" or (before == "." and after == "."):
        return True
    return _dots_at(chars, j + 1, step=1) or _dots_at(chars, j - 1, step=-1)


def _dots_at(chars: Sequence[str], j: int, step: int) -> bool:
    """Whether an ellipsis (three dots, possibly spaced) starts at j going in direction `step`."""
    dots = 0
    while 0 <= j < len(chars) and chars[j] in ". ":
        dots += chars[j] == "."
        if dots == 3:
            return True
        j += step
    return False


def is_word_char(c: str) -> bool:
    """Letters and digits of space-separated scripts; CJK text has no word boundaries to respect."""
    return c.isalnum() and not ("\u2e80" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff" or "\uac00" <= c <= "\ud7af")
