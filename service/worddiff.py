"""Word-level diff between an article's wording and a pasted quote: what the quote changed.

Words are compared after typographic normalization and without the punctuation around them, so the
diff names changed words ("simple" for "easy"), not curly quotes or a dropped comma; the similarity
score already accounts for punctuation. Each step quotes both sides verbatim.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from service.models import DiffOp
from service.normalize import normalize

_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


def word_diff(original: str, pasted: str) -> list[DiffOp]:
    """Steps turning `original` into `pasted`, equal runs included so the whole can be rendered."""
    a = [(m.start(), m.end()) for m in _WORD.finditer(original)]
    b = [(m.start(), m.end()) for m in _WORD.finditer(pasted)]
    a_keys = [_key(original[s:e]) for s, e in a]
    b_keys = [_key(pasted[s:e]) for s, e in b]
    steps = []
    for op in Levenshtein.opcodes(a_keys, b_keys):
        steps.append(DiffOp(op=op.tag, original=_join(original, a, op.src_start, op.src_end),
                            pasted=_join(pasted, b, op.dest_start, op.dest_end)))
    return steps


def _key(word: str) -> str:
    folded = normalize(word).text
    return _EDGE_PUNCTUATION.sub("", folded) or folded


def _join(text: str, words: list[tuple[int, int]], i: int, j: int) -> str:
    """The verbatim text from word i to word j-1 (empty when i == j)."""
    return text[words[i][0]:words[j - 1][1]] if j > i else ""
