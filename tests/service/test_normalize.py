"""Quote normalization: what it folds, and (property tests) that offsets always map back into the
original text, to a span that normalizes to what was matched."""

import pytest
from hypothesis import given, settings, strategies as st

from service.normalize import normalize

TYPOGRAPHY = st.sampled_from(list("‘’“”\"'–—-…. \u00a0\n\tßİAbc潤日"))
TEXT = st.text(alphabet=st.one_of(TYPOGRAPHY, st.characters(codec="utf-8")), max_size=60)


@pytest.mark.parametrize("pasted,original", [
    ('"That signals," Zhang says.', "“That signals,” Zhang says."),
    ("wasn't", "wasn’t"),
    ("country-they", "country—they"),
    ("community - still", "community — still"),
    ("everywhere... That", "everywhere . . . That"),
    ("aging…", "aging..."),
    ("JAPAN  is\nstable", "Japan is stable"),
])
def test_typographic_variants_normalize_alike(pasted, original):
    assert normalize(pasted).text == normalize(original).text


def test_a_match_maps_back_to_the_original_wording():
    original = "He said: “It’s   hard — very hard.”"
    norm = normalize(original)
    at = norm.text.index("it's hard-very")
    start, end = norm.original_span(at, at + len("it's hard-very"))
    assert original[start:end] == "It’s   hard — very"


@settings(max_examples=300, deadline=None)
@given(TEXT, st.data())
def test_any_normalized_span_maps_to_a_substring_of_the_original(original, data):
    norm = normalize(original)
    if not norm.text:
        return
    a = data.draw(st.integers(0, len(norm.text) - 1))
    b = data.draw(st.integers(a + 1, len(norm.text)))
    start, end = norm.original_span(a, b)
    assert 0 <= start < end <= len(original)
    assert norm.text[a:b].strip() in normalize(original[start:end]).text


@settings(max_examples=300, deadline=None)
@given(TEXT, st.data())
def test_a_quoted_piece_is_found_and_maps_back_to_the_same_wording(original, data):
    i = data.draw(st.integers(0, len(original)))
    j = data.draw(st.integers(i, len(original)))
    needle = normalize(original[i:j]).text
    if not needle:
        return
    text = normalize(original)
    at = text.text.find(needle)
    assert at != -1
    start, end = text.original_span(at, at + len(needle))
    assert normalize(original[start:end]).text == needle


def _fold_each_character(original: str) -> tuple[str, list[int], list[int]]:
    """The definition, one character at a time (what the run-at-a-time fast path must agree with)."""
    import unicodedata

    from service.normalize import _SPECIAL, _space_is_typography

    chars: list[list] = []
    for i, c in enumerate(original):
        if c.isspace():
            if chars and chars[-1][0] == " ":
                chars[-1][2] = i + 1
            else:
                chars.append([" ", i, i + 1])
            continue
        chars.extend([f, i, i + 1] for f in _SPECIAL.get(c) or unicodedata.normalize("NFKC", c.casefold()))
    folded = [c[0] for c in chars]
    kept = [c for j, c in enumerate(chars) if not (c[0] == " " and _space_is_typography(folded, j))]
    return "".join(c[0] for c in kept), [c[1] for c in kept], [c[2] for c in kept]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(TYPOGRAPHY, st.sampled_from(list("`´¨ＡＢ１ ﬁ.-_~!Zz09 ")),
                                  st.characters(codec="utf-8")), max_size=80))
def test_folding_runs_of_plain_ascii_at_once_agrees_with_folding_each_character(original):
    norm = normalize(original)
    assert (norm.text, norm.offsets.starts(), norm.offsets.ends()) == _fold_each_character(original)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.data())
def test_the_first_character_from_an_original_offset_is_found_as_by_bisecting_every_start(original, data):
    """Only the anchors of the offset map are stored; finding where an original offset lands in the
    normalized text (quote lookup's regions) must still be what bisecting all starts gives."""
    from bisect import bisect_left

    norm = normalize(original)
    offset = data.draw(st.integers(0, len(original) + 1))
    assert norm.index_at(offset) == bisect_left(norm.offsets.starts(), offset)
