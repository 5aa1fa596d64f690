"""Word-level diff between an article's wording and a pasted quote: what the quote changed.

Both sides are split into words after typographic normalization (service/normalize.py), and a word is
compared without the punctuation around it, so the diff names changed words ("simple" for "easy"), not
curly quotes or a dropped comma; the similarity score already accounts for punctuation. The alignment
is rapidfuzz's longest common subsequence of words (`Indel.opcodes`): a dropped word is a deletion, a
moved word a deletion in one place and an insertion in another, and a deletion directly next to an
insertion is shown as one replacement. Each step quotes both sides verbatim, at their own offsets.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel

from service.models import DiffOp
from service.normalize import Normalized, normalize

_CJK = "\u2e80-\u9fff\u3040-\u30ff\uac00-\ud7af\uf900-\ufaff"
# A CJK character is a word of its own (the script has no spaces); elsewhere a word is a run of non-spaces
# between dashes ("long-term" and "long term" say the same; normalization joins "value — and" into "value-and").
_WORD = re.compile(rf"[{_CJK}]|[^\s\-{_CJK}]+")
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")
_CURRENCY = "$¥€£"


class WordSpans(Sequence[tuple[int, int]]):
    """(start, end) of each word, held as two int arrays: 8 bytes a word instead of about 120 for a
    tuple of tuples (once every article's words were kept for quote lookup)."""

    __slots__ = ("starts", "ends")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = array("i", [s for s, _ in spans])
        self.ends = array("i", [e for _, e in spans])

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(zip(self.starts[i], self.ends[i]))
        return self.starts[i], self.ends[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordSpans) and (self.starts, self.ends) == (other.starts, other.ends)

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside, like a list


@dataclass(frozen=True)
class Words:
    """The words of `source`, found in its normalized form: `keys[i]` is word i folded and without
    the punctuation around it, `spans[i]` where that key stands in `norm.text`. Punctuation alone is
    no word."""

    source: str
    norm: Normalized
    spans: WordSpans
    keys: tuple[str, ...]  # interned: an article repeats its words, and each copy would cost ~50 bytes

    @classmethod
    def of(cls, source: str, norm: Normalized | None = None) -> Words:
        if norm is None:  # an article's: the last ARTICLE_WORDS_KEPT are kept, for every engine
            return _article_words(source)
        return cls._of(source, norm)

    @classmethod
    def _of(cls, source: str, norm: Normalized) -> Words:
        spans, keys = [], []
        for match in _WORD.finditer(norm.text):
            found = _key(match.group())
            if found is None:
                continue
            start, end = match.start() + found[0], match.start() + found[1]
            if spans and spans[-1][1] == start and _one_source_character(norm, spans[-1], start):
                # One source character folded into two words ("ヿ" -> "コト", one word per kana): a word
                # is never less than a character of the original, so they are one word.
                start = spans.pop()[0]
                keys.pop()
            spans.append((start, end))
            keys.append(sys.intern(norm.text[start:end]))
        return cls(source, norm, WordSpans(spans), tuple(keys))

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def starts(self) -> Sequence[int]:
        """Normalized start offset of each word, for bisecting."""
        return self.spans.starts

    def original_span(self, i: int, j: int) -> tuple[int, int]:
        """Offsets into `source` from word i to word j-1 (requires i < j)."""
        return self.norm.original_span(self.spans[i][0], self.spans[j - 1][1])

    def text(self, i: int, j: int) -> str:
        """The verbatim source text from word i to word j-1; empty when i == j."""
        if j <= i:
            return ""
        start, end = self.original_span(i, j)
        return self.source[start:end]


def _one_source_character(norm: Normalized, previous: tuple[int, int], start: int) -> bool:
    """Whether the word starting at `start`, right after `previous`, begins inside the source
    character `previous` ends in (only words with nothing between them can share one)."""
    return norm.original_span(start, start + 1)[0] < norm.original_span(*previous)[1]


def _key(token: str) -> tuple[int, int] | None:
    """Where the word stands in a token, without the punctuation around it; a figure keeps its
    currency sign and percent sign ("$2.4mn", "58%"). None for punctuation alone."""
    key = _EDGE_PUNCTUATION.sub("", token)
    if not key:
        return None
    start = token.index(key)
    end = start + len(key)
    if start > 0 and token[start - 1] in _CURRENCY and key[0].isdigit():
        start -= 1
    if end < len(token) and token[end] == "%" and key[-1].isdigit():
        end += 1
    return start, end


def word_diff(original: Words, pasted: Words) -> list[DiffOp]:
    """Steps turning `original` into `pasted`, equal runs included so the whole can be rendered."""
    return [DiffOp(op=tag, original=original.text(i1, i2), pasted=pasted.text(j1, j2))
            for tag, i1, i2, j1, j2 in word_opcodes(original.keys, pasted.keys)]


def word_opcodes(a: tuple[str, ...] | list[str], b: tuple[str, ...] | list[str]
                 ) -> list[tuple[str, int, int, int, int]]:
    """(tag, a_start, a_end, b_start, b_end) over a longest common subsequence of the two word lists;
    consecutive deletions and insertions are merged into one `replace`."""
    steps: list[list] = []
    for op in Indel.opcodes(list(a), list(b)):
        tag = op.tag
        if steps and tag != "equal" and steps[-1][0] != "equal":
            last = steps[-1]
            last[0] = "replace" if last[0] != tag or last[0] == "replace" else tag
            last[2], last[4] = op.src_end, op.dest_end
            continue
        steps.append([tag, op.src_start, op.src_end, op.dest_start, op.dest_end])
    return [tuple(step) for step in steps]


def diff_text(original: str, pasted: str) -> list[DiffOp]:
    """`word_diff` of two plain strings (the CLI and tests use it)."""
    return word_diff(Words.of(original), Words.of(pasted))


# Articles whose words are kept. Quote lookup reads the words of the few articles BM25 ranks for a quote
# (about 8 ms each to find, for 12 KB); keeping every article's took 2.85 bytes a character (1.1 GB for
# a million chunks' 380 MB of text). Keyed by the text itself: engines after a write share them.
ARTICLE_WORDS_KEPT = 256


@lru_cache(maxsize=ARTICLE_WORDS_KEPT)
def _article_words(text: str) -> Words:
    return Words._of(text, normalize(text))
