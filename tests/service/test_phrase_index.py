"""The phrase index names every article that holds an exact quote (it may name more, never fewer), and
after writes it answers as a fresh one over the same articles would."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from service.align import occurrences
from service.normalize import folded_words_text, is_word_char, normalize
from service.phrase_index import PhraseIndex, phrase_keys

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ARTICLES = {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
EXTRA = {"kana": "東京の「潤日」は日本語でも書かれる。Visa ﬁnance, ＴＯＫＹＯ 2025 and naïve café…",
         "short": "Osaka — 57,396 Chinese residents. \"Run\" to Japan! See run_ri_2025.txt"}


def _scan(texts: dict[str, str], needle: str) -> set[str]:
    return {doc_id for doc_id, text in texts.items() if next(occurrences(normalize(text).text, needle), None) is not None}


def _needles(texts: dict[str, str], count: int, seed: int) -> list[str]:
    """Stretches of the articles' normalized text that start and end on word boundaries, 1 to 12 words."""
    rng, needles = random.Random(seed), []
    for text in texts.values():
        norm = normalize(text).text
        bounds = [i for i in range(len(norm) + 1)
                  if i in (0, len(norm)) or not (is_word_char(norm[i - 1]) and is_word_char(norm[i]))]
        for _ in range(count):
            a = rng.randrange(len(bounds) - 1)
            b = min(len(bounds) - 1, a + rng.randint(1, 24))
            needles.append(norm[bounds[a]:bounds[b]])
    return needles


@pytest.mark.parametrize("texts", [ARTICLES, ARTICLES | EXTRA], ids=["seeds", "seeds+cjk+ligatures"])
def test_every_article_that_holds_a_stretch_is_a_candidate(texts):
    phrases = PhraseIndex.of(texts.items())
    checked = 0
    for needle in _needles(texts, 60, seed=7):
        candidates = phrases.candidates(needle)
        holding = _scan(texts, needle)
        if candidates is None:  # no word to look up: punctuation or spaces alone
            assert not any(is_word_char(c) or (not c.isascii() and c.isalnum()) for c in needle)
            continue
        assert holding <= set(candidates), needle
        checked += 1
    assert checked > 250


def test_a_rare_phrase_narrows_to_its_article_and_absent_ones_to_none():
    phrases = PhraseIndex.of(ARTICLES.items())
    assert phrases.candidates("57,396 in 2024-more than double the 2010 figure") == ["001_549853e61d50ae2c"]
    assert phrases.candidates("figure 2010 double more than") == []  # each word is there, not as neighbours
    assert phrases.candidates("zyzzogeton") == []
    assert phrases.candidates(" ... ") is None


def test_after_writes_it_answers_as_a_fresh_index():
    """Added, removed and replaced articles, twice over: the same candidates as one built from scratch."""
    first = dict(ARTICLES)
    phrases = PhraseIndex.of(first.items())
    doc_ids = sorted(first)
    second = {k: v for k, v in first.items() if k != doc_ids[0]} | {"kana": EXTRA["kana"]}
    second[doc_ids[1]] = "A replaced article about Osaka and its minpaku rentals."
    phrases = phrases.next({"kana": EXTRA["kana"], doc_ids[1]: second[doc_ids[1]]}, [doc_ids[0], doc_ids[1]])
    third = {k: v for k, v in second.items() if k != "kana"} | {"short": EXTRA["short"]}
    phrases = phrases.next({"short": EXTRA["short"]}, ["kana"])
    fresh = PhraseIndex.of(third.items())
    for needle in _needles(first | EXTRA | second, 40, seed=11):
        got, want = phrases.candidates(needle), fresh.candidates(needle)
        if want is None:
            assert got is None
            continue
        assert set(got) == set(want) >= _scan(third, needle), needle
        assert _scan(third, needle) <= set(got)


_TRICKY = "AaZz09_ \t\n.-—–…‘’“”`´ﬁﬂＡＴｏ①²½ŞİıΣσςßẞé\u0301ñ東京潤日の카나ℌ\u00a0\u3000"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(_TRICKY), st.characters()), max_size=60))
def test_the_quick_fold_has_the_words_of_normalize(text):
    """The index is built from `folded_words_text` (a tenth of normalize's time); quotes are looked up
    by their normalized text: both must give the same keys, or an article would be missed."""
    assert phrase_keys(folded_words_text(text)).tolist() == phrase_keys(normalize(text).text).tolist()
