"""Which articles can hold an exact quote: postings of each normalized word and each pair of neighbours.

Exact quote lookup must find every occurrence in every article. Scanning every article's normalized
text does that, but keeps the whole corpus normalized in memory (about 0.8 GB at a million chunks).
An exact occurrence is bounded by word boundaries (service/align.py, `occurrences`), so each word of
the normalized quote is a whole word of the article there, and each two neighbouring words of the
quote are neighbours there too. An article that lacks one of them cannot hold the quote. So the
candidates are the intersection of those words' and pairs' postings, and only they are normalized and
scanned. The postings are a superset of the truth, never less: a hash collision only adds a candidate
that the scan then rejects.

A word is a maximal run of `is_word_char` characters, or one CJK character (the script has no word
boundaries; service/normalize.py). Keys are 32-bit hashes (salted per process, used only in it);
postings hold article numbers, 2 bytes each below 65,536 articles. At 1,891 articles of about 20 KB,
about 4,700 keys an article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from service.normalize import folded_words_text

_CJK_RANGES = "\u2e80-\u9fff\u3040-\u30ff\uac00-\ud7af"  # as service/normalize.py's is_word_char
_WORD = re.compile(rf"[^\W_{_CJK_RANGES}]+|(?=[^\W_])[{_CJK_RANGES}]")
_PLAIN_WORD = re.compile(r"\w+")  # the same words in text without CJK or "_", found in half the time
_NOT_PLAIN = re.compile(rf"[_{_CJK_RANGES}]")
_MASK = 0xFFFFFFFF
_NARROW_ENOUGH = 4  # candidates at which intersecting more postings costs more than it saves


def phrase_keys(normalized: str) -> np.ndarray:
    """The distinct keys of normalized text (or `folded_words_text`'s, which has the same words): each
    word and each pair of neighbouring words, sorted."""
    words = (_WORD if _NOT_PLAIN.search(normalized) else _PLAIN_WORD).findall(normalized)
    keys = {hash(w) & _MASK for w in words}
    keys.update(hash((a, b)) & _MASK for a, b in zip(words, words[1:]))
    return np.sort(np.fromiter(keys, dtype=np.uint32, count=len(keys)))


@dataclass(frozen=True)
class _Postings:
    """CSR postings: article numbers of key `keys[i]` are `docs[offsets[i]:offsets[i + 1]]`, ascending."""

    keys: np.ndarray
    offsets: np.ndarray
    docs: np.ndarray

    @classmethod
    def of(cls, per_doc: list[tuple[int, np.ndarray]], numbers: int) -> _Postings:
        """From each article number's keys (`per_doc` is emptied as they are packed): one in-place sort
        of (key, number) pairs in 64 bits; at a million chunks, 89M pairs, 0.7 GB while building."""
        total = sum(len(keys) for _, keys in per_doc)
        pairs = np.empty(total, dtype=np.uint64)
        at = 0
        per_doc.reverse()
        while per_doc:
            number, keys = per_doc.pop()
            pairs[at:at + len(keys)] = (keys.astype(np.uint64) << np.uint64(32)) | np.uint64(number)
            at += len(keys)
        pairs.sort()
        docs = pairs.astype(np.uint16 if numbers <= 1 << 16 else np.uint32)  # the low bits: the number
        np.right_shift(pairs, np.uint64(32), out=pairs)  # now each pair's key
        starts = np.flatnonzero(np.r_[total > 0, pairs[1:] != pairs[:-1]])  # where each key's postings begin
        return cls(pairs[starts].astype(np.uint32), np.append(starts, total).astype(np.int64), docs)

    def spans(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each key's postings start and end in `docs` (start == end for a key not here)."""
        i = np.searchsorted(self.keys, keys)
        found = i < len(self.keys)
        found[found] = self.keys[i[found]] == keys[found]
        starts = np.where(found, self.offsets[np.minimum(i, len(self.offsets) - 1)], 0)
        ends = np.where(found, self.offsets[np.minimum(i + 1, len(self.offsets) - 1)], 0)
        return starts, ends


@dataclass(frozen=True)
class PhraseIndex:
    """Postings of the served articles. The articles of the first build are `base` and never change; an
    article added by a write is in `added`, rebuilt from the added articles' keys at each write, and a
    removed or replaced one is hidden by `gone`. Engines after a write share the base."""

    names: tuple[str, ...]  # article number -> doc id
    base: _Postings
    added: _Postings
    added_keys: Mapping[int, np.ndarray] = field(repr=False)  # article number -> its keys, for the next write
    gone: frozenset[int] = frozenset()

    @classmethod
    def of(cls, texts: Iterable[tuple[str, str]]) -> PhraseIndex:
        """From (doc_id, original text) pairs."""
        names, per_doc = [], []
        for number, (doc_id, text) in enumerate(texts):
            names.append(doc_id)
            per_doc.append((number, phrase_keys(folded_words_text(text))))
        empty = _Postings.of([], 0)
        return cls(tuple(names), _Postings.of(per_doc, len(names)), empty, {})

    def next(self, added: Mapping[str, str], removed: Iterable[str]) -> PhraseIndex:
        """After a write: `added` (doc_id -> text; a replaced article is in both) and `removed` doc ids."""
        leaving = set(removed) | set(added)
        gone = set(self.gone) | {n for n, name in enumerate(self.names) if name in leaving and n not in self.gone}
        keys = {n: k for n, k in self.added_keys.items() if n not in gone}
        names = list(self.names)
        for doc_id, text in added.items():
            keys[len(names)] = phrase_keys(folded_words_text(text))
            names.append(doc_id)
        return PhraseIndex(tuple(names), self.base, _Postings.of(list(keys.items()), len(names)), keys,
                           frozenset(gone))

    def candidates(self, normalized_needle: str) -> list[str] | None:
        """The doc ids that can hold the needle (any order), or None when it has no word to look up."""
        keys = phrase_keys(normalized_needle)
        if not len(keys):
            return None
        base_starts, base_ends = self.base.spans(keys)
        added_starts, added_ends = self.added.spans(keys)
        sizes = (base_ends - base_starts) + (added_ends - added_starts)
        if not sizes.all():  # a word or pair that no article has
            return []
        found: np.ndarray | None = None
        for k in np.argsort(sizes, kind="stable").tolist():  # the rarest first: the candidates only shrink
            postings = self.base.docs[base_starts[k]:base_ends[k]].astype(np.int64)
            if added_ends[k] > added_starts[k]:  # added articles are numbered after the base's: still ascending
                postings = np.concatenate([postings, self.added.docs[added_starts[k]:added_ends[k]]])
            if found is None:
                found = postings
            else:  # keep the candidates in these postings: a binary search each, not a sort of both
                at = np.minimum(np.searchsorted(postings, found), len(postings) - 1)
                found = found[postings[at] == found]
            if len(found) <= _NARROW_ENOUGH:
                break
        return [self.names[n] for n in found.tolist() if n not in self.gone]
