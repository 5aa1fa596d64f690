"""Names spelled the way readers spell them: "Masotomo" is searched as "Masutomo", and the response says so.

The vocabulary is the corpus' capitalised terms (names, places, organisations: words written with a
capital inside a sentence). A question word that no article uses and that is not an English word is
matched against it with rapidfuzz (optimal string alignment: a swapped pair of letters, "Jeiping", is
one edit). The distance allowed grows with the word's length (1 edit up to 4 letters, 2 up to 8, 3
beyond), so "Kol" finds "Koll" but "Nagoya" does not become "Nakano" (it is an English-vocabulary word,
and the articles simply never mention it).

Spelling variants the corpus itself uses for one person ("Takehiro Masutomo" and "Takehiro Masumoto")
are one name: two capitalised terms within a small edit distance that stand next to the same name. A
question using the rarer spelling is searched with the main one too. Word order ("Masutomo Takeshi", "Takeshi Masutomo") does not matter to the lexical
leg, which is a bag of words.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein


_WORD = re.compile(r"[A-Za-z]+")  # "Masutomo's" is "Masutomo" and an "s" too short to correct
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？:;\"“‘(]\s*|\n)$")
VARIANT_MIN_SIMILARITY = 0.7  # Masutomo / Masumoto: 0.75; Takeshi / Takehiro: 0.625 (two given names)


def max_edits(word: str) -> int:
    """Edits allowed between a reader's spelling and a corpus term, by the word's length."""
    return 1 if len(word) <= 4 else 2 if len(word) <= 8 else 3


@dataclass(frozen=True)
class Correction:
    """A question as searched: misspelled names replaced, and the corpus' own variants of its names."""

    text: str  # the question with corrected names
    did_you_mean: dict[str, str] = field(default_factory=dict)  # the reader's word -> the corpus term
    variants: tuple[str, ...] = ()  # other spellings of names in the question, searched too
    readings: tuple[str, ...] = ()  # the articles' terms its Chinese or Japanese names read as (romanize.py)
    translations: tuple[str, ...] = ()  # the articles' English words nearest its words (word_bridge.py)

    @property
    def search_text(self) -> str:
        """What the lexical leg searches: the corrected question plus the other spellings of its names
        and, for a question not in English, the articles' words for its words."""
        extra = self.variants + self.readings + self.translations
        return " ".join((self.text, *extra)) if extra else self.text


class NameVocabulary:
    """Built from its articles' counts (a few milliseconds for the five seeds; counted once per corpus
    and read back at the next start, service/name_counts_file.py); after a write, the next one is this
    one plus and minus the articles that changed (`next`), so no article is read twice and no
    per-article scan is kept (86 of its 93 MiB at 100k chunks, when they were)."""

    def __init__(self, texts: Iterable[str], english_words: frozenset[str] = frozenset(),
                 counts: NameCounts | None = None) -> None:
        self.counts = counts if counts is not None else NameCounts.of(texts)
        self._english = english_words
        counts = self.counts
        self.words = counts.words.keys()  # casefolded words some article uses
        self.terms = counts.capitalised
        self._by_folded = {t.casefold(): t for t, _ in counts.capitalised.most_common()[::-1]}  # most frequent wins
        self._choices = sorted(self._by_folded)
        # What a romanised CJK name may be read as (service/romanize.py): the names, the hyphenated
        # ones joined ("runri" -> "Run-ri"), and the articles' non-English words ("gaokao").
        self._readings = {**{w: w for w in counts.lower if w not in english_words},
                          **{t.replace("-", "").casefold(): t for t, _ in counts.hyphenated.most_common()[::-1]},
                          **self._by_folded}
        self._reading_choices = sorted(self._readings)
        neighbours: dict[str, set[str]] = defaultdict(set)
        for a, b in counts.neighbours:
            neighbours[a].add(b)
        self.variants = _variant_groups(counts.capitalised, neighbours)

    def next(self, added: Iterable[str], removed: Iterable[str]) -> NameVocabulary:
        """The vocabulary of this corpus with the `added` articles' texts and without the `removed` ones'."""
        return NameVocabulary((), self._english, self.counts.changed(added, removed))

    def correct(self, question: str) -> Correction:
        """The question with each unknown word that is close to a corpus term replaced by that term."""
        did_you_mean: dict[str, str] = {}
        pieces, cursor = [], 0
        for match in _WORD.finditer(question):
            word = match.group()
            term = self._closest(word)
            if term is not None:
                did_you_mean[word] = term
                pieces += [question[cursor:match.start()], term]
                cursor = match.end()
        text = "".join(pieces) + question[cursor:] if did_you_mean else question
        present = {w.casefold() for w in _WORD.findall(text)}
        # A rarer spelling is also searched as the corpus' more frequent one ("Masumoto", 2 uses, as
        # "Masutomo", 30), not the other way round: the main spelling already finds nearly everything.
        variants = sorted({v for w in present for v in self.variants.get(w, ())
                           if v.casefold() not in present and self.terms[v] > self._count(w)})
        return Correction(text, did_you_mean, tuple(variants))

    def closest_term(self, reading: str, limit: int) -> str | None:
        """The articles' term that a romanised reading is closest to, within `limit` edits."""
        if reading in self._readings or limit <= 0:
            return self._readings.get(reading)
        found = process.extractOne(reading, [c for c in self._reading_choices if c[0] == reading[0]],
                                   scorer=OSA.distance, score_cutoff=limit)
        return self._readings[found[0]] if found is not None else None

    def _count(self, folded: str) -> int:
        term = self._by_folded.get(folded)
        return self.terms[term] if term is not None else 0

    def _closest(self, word: str) -> str | None:
        folded = word.casefold()
        if len(folded) < 3 or folded in self.words or folded in self._english:
            return None
        limit = max_edits(folded)
        found = process.extractOne(folded, self._choices, scorer=OSA.distance, score_cutoff=limit)
        return self._by_folded[found[0]] if found is not None else None


_HYPHENATED = re.compile(r"\b[A-Z][a-z]+(?:-[A-Za-z]+)+")


@dataclass(frozen=True)
class NameCounts:
    """What the vocabulary is made of, summed over the articles, so that an article's share can be
    added or taken away: in how many articles each word occurs (casefolded; lower-case ones of 5
    letters or more in `lower`), how often each name and hyphenated name, and in how many articles two
    names stand side by side (both orders)."""

    words: Counter[str]
    capitalised: Counter[str]
    neighbours: Counter[tuple[str, str]]
    lower: Counter[str]
    hyphenated: Counter[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> NameCounts:
        return cls(Counter(), Counter(), Counter(), Counter(), Counter()).changed(texts, ())

    def changed(self, added: Iterable[str], removed: Iterable[str]) -> NameCounts:
        parts = (Counter(self.words), Counter(self.capitalised), Counter(self.neighbours), Counter(self.lower),
                 Counter(self.hyphenated))
        for sign, texts in ((1, added), (-1, removed)):
            for text in texts:
                for total, share in zip(parts, _scan(text)):
                    for key, count in share.items():
                        total[key] += sign * count
        return NameCounts(*(Counter({k: v for k, v in part.items() if v > 0}) for part in parts))


def _scan(text: str) -> tuple[Counter, ...]:
    """One article's share of NameCounts, in its field order."""
    capitalised: Counter[str] = Counter()
    neighbours: set[tuple[str, str]] = set()
    words: set[str] = set()
    lower: set[str] = set()
    previous: tuple[str, int] | None = None
    for match in _WORD.finditer(text):
        word = sys.intern(match.group())  # the same word in many articles: one string
        words.add(sys.intern(word.casefold()))
        if word.islower() and len(word) >= 5:
            lower.add(word)
        is_name = word[0].isupper() and not _SENTENCE_START.search(text[max(0, match.start() - 3):match.start()])
        if is_name and len(word) > 1:
            capitalised[word] += 1
            if previous is not None and text[previous[1]:match.start()].strip() == "":
                neighbours.update({(word, previous[0]), (previous[0], word)})
        previous = (word, match.end()) if is_name else None
    return (Counter(words), capitalised, Counter(neighbours), Counter(lower), Counter(_HYPHENATED.findall(text)))


def _variant_groups(terms: Counter[str], neighbours: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """casefolded term -> the other spellings of the same name (close in spelling, same neighbour).

    Only names that share a neighbour can be variants, so pairs are drawn from each neighbour's list
    of names, not from every pair of names: the same pairs, without the square of the vocabulary
    (which took 12 s at 12,600 chunks and would take hours at a million)."""
    by_neighbour: dict[str, list[str]] = defaultdict(list)
    for name in sorted(t for t in terms if len(t) >= 4):
        for neighbour in neighbours.get(name, ()):
            by_neighbour[neighbour].append(name)
    pairs = {(a, b) for names in by_neighbour.values() for i, a in enumerate(names) for b in names[i + 1:]}
    groups: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        inflected = a.casefold().startswith(b.casefold()) or b.casefold().startswith(a.casefold())
        if not inflected and Levenshtein.normalized_similarity(a.casefold(), b.casefold()) >= VARIANT_MIN_SIMILARITY:
            groups[a.casefold()].add(b)
            groups[b.casefold()].add(a)
    return {k: tuple(sorted(v)) for k, v in groups.items()}


@lru_cache(maxsize=4)
def english_words(model_path: Path | None) -> frozenset[str]:
    """Whole words of the embedding model's WordPiece vocabulary (~20k English words and common names),
    so a correctly spelled word the articles never use ("Nagoya", "refugee") is left alone."""
    vocab = model_path / "vocab.txt" if model_path is not None else None
    if vocab is None or not vocab.exists():
        return frozenset()
    return frozenset(line.strip() for line in vocab.read_text(encoding="utf-8").splitlines()
                     if line.strip().isalpha() and not line.startswith("##"))
