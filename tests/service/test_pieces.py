"""Pasted text cut at ellipses (every way journalists write one) and into bounded pieces."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from service.pieces import split_pieces


def _pieces(text: str, max_chars: int = 400) -> list[tuple[str, bool]]:
    return [(text[p.start:p.end], p.after_ellipsis) for p in split_pieces(text, max_chars=max_chars).items]


@pytest.mark.parametrize("text", [
    "Japan is stable...It has rational politics",
    "Japan is stable … It has rational politics",
    "Japan is stable . . . It has rational politics",
    "Japan is stable [...] It has rational politics",
    "Japan is stable […] It has rational politics",
    "Japan is stable.... It has rational politics",
])
def test_each_way_of_writing_an_ellipsis_marks_an_omission(text):
    assert _pieces(text) == [("Japan is stable", False), ("It has rational politics", True)]


def test_ellipses_at_the_ends_say_the_sentence_was_cut():
    pieces = split_pieces("“…confronted richer immigrants from Asia . . .”")
    assert pieces.leading_ellipsis and pieces.trailing_ellipsis
    assert [("confronted richer immigrants from Asia", False)] == _pieces("“…confronted richer immigrants from Asia . . .”")
    plain = split_pieces("Japan is stable.")
    assert not plain.has_ellipsis and _pieces("Japan is stable.") == [("Japan is stable.", False)]


def test_punctuation_alone_is_no_piece():
    assert _pieces('"..."') == [] and _pieces("a … ” … b") == [("a", False), ("b", True)]


def test_a_long_text_is_cut_at_sentence_ends_into_bounded_pieces():
    text = "One two three four five six. " * 20
    pieces = _pieces(text.strip(), max_chars=100)
    assert all(len(p) <= 100 and p.endswith(".") for p, _ in pieces)
    assert " ".join(p for p, _ in pieces) == text.strip()
    assert not any(marked for _, marked in pieces)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .…[]\n")), max_size=300), st.integers(50, 120))
def test_pieces_are_bounded_in_order_and_lose_no_word(text, max_chars):
    pieces = split_pieces(text, max_chars=max_chars).items
    assert all(p.end - p.start <= max_chars for p in pieces)
    assert all(a.end <= b.start for a, b in zip(pieces, pieces[1:]))
    kept = "".join(text[p.start:p.end] for p in pieces)
    assert kept.count("a") + kept.count("b") == text.count("a") + text.count("b")
