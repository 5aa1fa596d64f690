"""Alignment: where a pasted piece stands in an article, found in time linear in the region searched.

Exact occurrences are found in the normalized text. Otherwise the piece's words are aligned with the
article's: first the window holding most of them (so a short quote is not spread over a whole
region), then, in it, the run of common words (rapidfuzz's longest common subsequence) with the most
matches net of the article words it skips, widened where the quote's first or last words differ.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from service.normalize import Normalized, is_word_char, normalize
from service.worddiff import Words, word_opcodes

_QUOTE_MARKS = "\"' "
_TERMINAL = ",;:!?."
EDGE_WORDS = 3       # unmatched words at a quote's edge that may still be aligned as replaced words
_GAP_PENALTY = 0.25  # an article word inside an alignment but not in the quote costs this much of a match
MIN_SHARED_WORDS = 3  # a reworded or altered quote shares at least this many words with its source


@dataclass(frozen=True)
class Quote:
    """A pasted quote (or one piece of it), normalized once."""

    text: str
    norm: Normalized
    core: str  # the folded text without the quoting marks and punctuation around it
    words: Words = field(repr=False)

    @classmethod
    def of(cls, text: str) -> Quote:
        norm = normalize(text)
        return cls(text, norm, strip_ends(norm.text, keep_ellipsis=False), Words.of(text, norm))


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece aligned in one article: offsets into its normalized text, and how similar it is."""

    doc_id: str
    start: int
    end: int
    exact: bool
    similarity: float


def align(quote: Quote, doc_id: str, words: Words, lo: int, hi: int) -> Hit | None:
    """The stretch of words lo..hi of an article (`words`) that best matches the quote's words."""
    keys = quote.words.keys
    if not keys or hi <= lo:
        return None
    lo, hi = densest_window(keys, words.keys, lo, hi)
    pairs = [(q, d) for tag, q1, q2, d1, d2 in word_opcodes(keys, words.keys[lo:hi]) if tag == "equal"
             for q, d in zip(range(q1, q2), range(lo + d1, lo + d2))]
    if not pairs:
        return None
    (q_first, d_first), (q_last, d_last), matched = _best_run(pairs)
    if matched < max(MIN_SHARED_WORDS, (len(keys) + 1) // 2):
        return None  # too few words in common to be a quote of this place, however reworded
    core, text = quote.core, words.norm.text
    options = [(i, j) for i in range(max(lo, d_first - min(q_first, EDGE_WORDS)), d_first + 1)
               for j in range(d_last + 1, min(hi, d_last + 1 + min(len(keys) - 1 - q_last, EDGE_WORDS)) + 1)]
    score, i, j = max((fuzz.ratio(core, text[words.spans[i][0]:words.spans[j - 1][1]]) / 100, i, j)
                      for i, j in options)
    start, end = words.spans[i][0], words.spans[j - 1][1]
    return Hit(doc_id, start, end, text[start:end] == core, score)


def _best_run(pairs: list[tuple[int, int]]) -> tuple[tuple[int, int], tuple[int, int], int]:
    """The first and last matched pair of the run scoring most, and how many matches it holds: each
    match counts 1, each article word it skips since the previous match costs _GAP_PENALTY (a
    maximum-subarray scan)."""
    best, best_run, run_start, total = 0.0, (0, 0), 0, 0.0
    for k, (_, d) in enumerate(pairs):
        gain = 1.0 if k == 0 else 1.0 - _GAP_PENALTY * (d - pairs[k - 1][1] - 1)
        if k == 0 or total + gain < 1.0:
            total, run_start = 1.0, k
        else:
            total += gain
        if total > best:
            best, best_run = total, (run_start, k)
    return pairs[best_run[0]], pairs[best_run[1]], best_run[1] - best_run[0] + 1


def densest_window(quote: tuple[str, ...], keys: tuple[str, ...], lo: int, hi: int) -> tuple[int, int]:
    """The words lo..hi narrowed to the window holding most of the quote's words (each counted at most
    as often as the quote has it), with room around it for dropped and added words. Linear in hi - lo."""
    size = len(quote) + max(EDGE_WORDS, len(quote) // 2)
    if hi - lo <= size + 2 * EDGE_WORDS:
        return lo, hi
    wanted = Counter(quote)
    seen: Counter[str] = Counter()
    score = best = 0
    best_start = lo
    for at in range(lo, hi):
        key = keys[at]
        if key in wanted:
            seen[key] += 1
            score += seen[key] <= wanted[key]
        if at - lo >= size:
            gone = keys[at - size]
            if gone in wanted:
                score -= seen[gone] <= wanted[gone]
                seen[gone] -= 1
        if score > best:
            best, best_start = score, max(lo, at - size + 1)
    margin = max(EDGE_WORDS, len(quote) // 2)
    return max(lo, best_start - margin), min(hi, best_start + size + margin)


def word_range(words: Words, start: int, end: int) -> tuple[int, int]:
    """The words overlapping normalized text[start:end]."""
    i = bisect_left(words.starts, start)
    if i > 0 and words.spans[i - 1][1] > start:
        i -= 1
    return i, bisect_left(words.starts, end)


def occurrences(text: str, needle: str, lo: int = 0, hi: int | None = None):
    """Start offsets of `needle` in text[lo:hi] that do not cut a word in two."""
    if not needle:
        return
    hi = len(text) if hi is None else hi
    at = text.find(needle, lo, hi)
    while at != -1:
        end = at + len(needle)
        if _is_boundary(text, at) and _is_boundary(text, end):
            yield at
        at = text.find(needle, at + 1, hi)


def _is_boundary(text: str, at: int) -> bool:
    return at <= 0 or at >= len(text) or not (is_word_char(text[at - 1]) and is_word_char(text[at]))


def has_word(text: str) -> bool:
    return any(is_word_char(c) or (not c.isascii() and c.isalnum()) for c in text)


def strip_ends(text: str, keep_ellipsis: bool) -> str:
    """Drop the quoting marks and sentence punctuation around a pasted quote; an ellipsis at either
    end says the quote was cut, so it stays for the exact search and goes for alignment."""
    previous = None
    while text != previous:
        previous = text
        text = text.strip(_QUOTE_MARKS)
        if not keep_ellipsis:
            text = text.strip(_TERMINAL)
        elif text[-1:] in tuple(_TERMINAL) and not text.endswith("..."):
            text = text[:-1]
    return text
