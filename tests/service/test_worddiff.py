"""The word diff is a longest common subsequence of normalized words (rapidfuzz `Indel.opcodes`):
checked against rapidfuzz's own LCS length and a plain dynamic-programming LCS, and (property tests)
it rebuilds both sides, shows dropped words as deletions and never cuts the original short."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import example, given, settings, strategies as st
from rapidfuzz.distance import LCSseq

from service.normalize import normalize
from service.worddiff import Words, diff_text, word_opcodes

WORDS = st.sampled_from(["Japan", "is", "easy", "simple", "to", "enter,", "“and”", "in.", "2,500", "not", "潤日"])
SENTENCE = st.lists(WORDS, max_size=14).map(" ".join)


def _lcs(a: list[str], b: list[str]) -> int:
    """Textbook dynamic programming, the reference the library's alignment is checked against."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def _changes(original: str, pasted: str) -> list[tuple[str, str, str]]:
    return [(d.op, d.original, d.pasted) for d in diff_text(original, pasted) if d.op != "equal"]


@settings(max_examples=300, deadline=None)
@given(SENTENCE, SENTENCE)
def test_the_diff_rebuilds_both_sides_word_for_word(original, pasted):
    steps = diff_text(original, pasted)
    assert Words.of(" ".join(s.original for s in steps)).keys == Words.of(original).keys
    assert Words.of(" ".join(s.pasted for s in steps)).keys == Words.of(pasted).keys
    assert all(s.op in {"equal", "replace", "insert", "delete"} for s in steps)
    assert all(Words.of(s.original).keys == Words.of(s.pasted).keys for s in steps if s.op == "equal")


@settings(max_examples=300, deadline=None)
@given(SENTENCE, SENTENCE)
def test_the_equal_words_are_a_longest_common_subsequence(original, pasted):
    a, b = Words.of(original).keys, Words.of(pasted).keys
    equal = sum(i2 - i1 for tag, i1, i2, *_ in word_opcodes(a, b) if tag == "equal")
    assert equal == LCSseq.similarity(list(a), list(b)) == _lcs(list(a), list(b))


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=14), st.data())
def test_dropped_words_are_deletions_and_the_original_is_never_cut(words, data):
    kept = data.draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
    original = " ".join(words)
    pasted = " ".join(w for w, keep in zip(words, kept) if keep)
    steps = diff_text(original, pasted)
    assert {s.op for s in steps} <= {"equal", "delete"}
    deleted = Counter(k for s in steps if s.op == "delete" for k in Words.of(s.original).keys)
    assert deleted == Counter(Words.of(original).keys) - Counter(Words.of(pasted).keys)
    assert Words.of(" ".join(s.original for s in steps)).keys == Words.of(original).keys  # every word, to the last


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
@example("aヿb ゟ")  # one character that folds into two kana, each of which alone would be a word
def test_every_word_maps_back_to_its_own_wording(text):
    words = Words.of(text)
    for i, key in enumerate(words.keys):
        start, end = words.original_span(i, i + 1)
        assert normalize(text[start:end]).text == key


@pytest.mark.parametrize("original,pasted,changes", [
    ("Japan is easy to enter and invest in.", "Japan is simple to enter and invest in.",
     [("replace", "easy", "simple")]),
    ("confronted richer and more sophisticated immigrants from Asia", "…confronted richer immigrants from Asia",
     [("delete", "and more sophisticated", "")]),
    ("a store of value — and aspirations", "a store of value and aspirations", []),  # dashes are typography
    ("long-term care", "long term care", []),
    ("“That signals,” Zhang says.", '"That signals" Zhang says', []),  # quotes and punctuation are not words
    ("one two three four", "one three four two", [("delete", "two", ""), ("insert", "", "two")]),  # moved
    ("loses 2,500 people", "loses 3,500 people", [("replace", "2,500", "3,500")]),
])
def test_known_diffs(original, pasted, changes):
    assert _changes(original, pasted) == changes
