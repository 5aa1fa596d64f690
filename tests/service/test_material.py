"""Material changes (figures, negations) and the wording similarity that separates a misquote from a
made-up claim: hand-computed cases."""

from __future__ import annotations

import pytest

from service.material import material_changes, only_dropped, wording_similarity
from service.worddiff import Words, word_opcodes


def _changes(original: str, pasted: str) -> list[tuple[str, str, str]]:
    a, b = Words.of(original), Words.of(pasted)
    steps = word_opcodes(a.keys, b.keys)
    texts = [(a.text(i1, i2), b.text(j1, j2)) for _, i1, i2, j1, j2 in steps]
    return [(c.kind, c.original, c.pasted) for c in material_changes(steps, a.keys, b.keys, texts)]


@pytest.mark.parametrize("original,pasted,changes", [
    ("Japan loses 2,500 people every day", "Japan loses 3,500 people every day", [("figure", "2,500", "3,500")]),
    ("Japan loses 2,500 people every day", "Japan loses 2500 people every day", []),  # the same figure
    ("about 30% of the 100 students", "about 50% of the 100 students", [("figure", "30%", "50%")]),
    ("Japan loses 2,500 people every day", "Japan loses people every day", [("figure", "2,500", "")]),
    ("The odds are good.", "The odds are not good.", [("negation", "", "not")]),
    ("Chinese citizens cannot buy land", "Chinese citizens can buy land", [("negation", "cannot", "can")]),
    ("“I don’t think I’m like most", "I think I'm like most", [("negation", "don’t", "")]),
    ("Japan is easy to enter", "Japan is simple to enter", []),
])
def test_material_changes_are_named(original, pasted, changes):
    assert _changes(original, pasted) == changes


def test_wording_similarity_masks_figures_and_ignores_negations():
    assert wording_similarity(("japan", "loses", "2,500", "people"), ("japan", "loses", "3,500", "people")) == 1.0
    assert wording_similarity(("the", "odds", "are", "good"), ("the", "odds", "are", "not", "good")) == 1.0
    # 2 x 3 common words / (4 + 4 words)
    assert wording_similarity(("in", "osaka", "grew", "to"), ("in", "tokyo", "grew", "to")) == 0.75


def test_only_dropped_means_the_pasted_words_in_order_and_at_least_half_of_them():
    source = ("confronted", "richer", "and", "more", "sophisticated", "immigrants")
    assert only_dropped(source, ("confronted", "richer", "immigrants"))
    assert not only_dropped(source, ("confronted", "immigrants"))  # fewer than half kept
    assert not only_dropped(source, ("richer", "confronted", "immigrants"))  # reordered
    assert only_dropped(("loses", "2,500", "people", "daily"), ("loses", "3,500", "people"), masked=True)
