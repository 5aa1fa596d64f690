"""Material changes: a quote that changes a figure, adds or drops a negation, or puts one name in place of
another ("Vietnamese" for "Chinese") says something else.

Such a quote is a misquote of its source, not a fabrication, when the rest of its wording aligns with
it: the wording similarity below compares both sides word by word with every figure masked and every
negation removed, so "Japan loses 3,500 people every day" against "Japan loses 2,500 people every day"
scores 1.0, while a made-up claim that shares a topic, and a figure in the same place, scores low.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from service.models import MaterialChange

_NEGATIONS = frozenset({"not", "never", "no", "none", "nobody", "nothing", "neither", "nor", "cannot"})
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*")
# Capitalised because they open a sentence, not because they name anyone.
_NOT_NAMES = frozenset({"the", "a", "an", "and", "but", "or", "so", "as", "in", "on", "at", "of", "for", "to", "by",
                        "with", "from", "it", "its", "this", "that", "these", "those", "he", "she", "they", "we",
                        "i", "his", "her", "their", "our", "there", "here", "if", "when", "while", "after", "before"})
SAME_NAME_SIMILARITY = 80  # a misspelling ("Masutumo" for "Masutomo") is the same name; "Takeshi" is not "Takehiro"


def is_figure(key: str) -> bool:
    return any(c.isdigit() for c in key)


def is_negation(key: str) -> bool:
    return key in _NEGATIONS or key.endswith("n't")


def figure_value(key: str) -> str:
    """'2,500' and '2500' state the same figure, and so do '58%' and '58 percent'."""
    return key.strip("$¥€£%").replace(",", "")


def material_changes(steps: Sequence[tuple[str, int, int, int, int]], original_keys: Sequence[str],
                     pasted_keys: Sequence[str], texts: Sequence[tuple[str, str]]) -> list[MaterialChange]:
    """The changed figures and negations among the diff `steps` (word_opcodes over the two key lists);
    `texts[i]` is step i's (original, pasted) wording, verbatim."""
    changes = []
    for (tag, i1, i2, j1, j2), (original, pasted) in zip(steps, texts):
        if tag == "equal":
            continue
        before, after = original_keys[i1:i2], pasted_keys[j1:j2]
        if Counter(figure_value(k) for k in before if is_figure(k)) != Counter(
                figure_value(k) for k in after if is_figure(k)):
            changes.append(MaterialChange(kind="figure", original=original, pasted=pasted))
        if sum(map(is_negation, before)) != sum(map(is_negation, after)):
            changes.append(MaterialChange(kind="negation", original=original, pasted=pasted))
    return changes


def name_changes(steps: Sequence[tuple[str, int, int, int, int]], texts: Sequence[tuple[str, str]]
                 ) -> list[MaterialChange]:
    """Names replaced by other names: a step where the article's wording and the quote's each have a
    name the other side lacks, misspellings aside. Dropping "Economist Jasper" before "Koll" is not
    one (the quote's name is the article's); swapping who outnumbers whom is."""
    changes = []
    for (tag, *_), (original, pasted) in zip(steps, texts):
        if tag != "replace":
            continue
        before, after = _names(original), _names(pasted)
        if _lacking(before, after) and _lacking(after, before):
            changes.append(MaterialChange(kind="name", original=original, pasted=pasted))
    return changes


def _names(text: str) -> list[str]:
    return [w.lower() for w in _CAPITALISED.findall(text) if w.lower() not in _NOT_NAMES]


def _lacking(names: list[str], others: list[str]) -> bool:
    """Some name in `names` has no counterpart, not even a misspelt one, in `others`."""
    return any(all(fuzz.ratio(name, other) < SAME_NAME_SIMILARITY for other in others) for name in names)


def wording_similarity(original_keys: Sequence[str], pasted_keys: Sequence[str]) -> float:
    """Word similarity (0-1: twice the common words in order over both word counts) of the two
    wordings with figures masked and negations removed."""
    return fuzz.ratio(_masked(original_keys), _masked(pasted_keys)) / 100


def only_dropped(original_keys: Sequence[str], pasted_keys: Sequence[str], masked: bool = False) -> bool:
    """The pasted words are the original's, in order, with some left out (at most half of them): a
    quote shortened without an ellipsis. Character similarity undersells it, so it is judged here.
    `masked`: compare with figures masked and negations removed."""
    if masked:
        original_keys, pasted_keys = _masked(original_keys), _masked(pasted_keys)
    return (bool(pasted_keys) and 2 * len(pasted_keys) >= len(original_keys)
            and LCSseq.similarity(list(original_keys), list(pasted_keys)) == len(pasted_keys))


def _masked(keys: Sequence[str]) -> list[str]:
    return ["#" if is_figure(k) else k for k in keys if not is_negation(k)]
