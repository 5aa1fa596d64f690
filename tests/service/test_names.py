"""Names as readers spell them: corrected against the corpus' capitalised terms, variants searched together."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from service.names import VARIANT_MIN_SIMILARITY, NameVocabulary, _variant_groups, max_edits

TEXTS = [
    "The book is by Takehiro Masutomo. According to journalist Masutomo Takeshi, the trend grew.",
    "The author Takehiro Masutomo speaks four languages.",
    "An interview with Takehiro Masumoto. Economist Jasper Koll said Japan loses 2,500 people a day.",
    "Zhang Jieping moved from Wuxi to Tokyo. The Financial Times reported it. Cao lives in Bunkyo.",
]
# Close spellings, prefixes of each other, and unrelated names: every branch of the variant rule.
_SPELLINGS = ["Masutomo", "Masumoto", "Masotomo", "Masu", "Masutomos", "Takehiro", "Takeshi", "Takeshii", "Ishiba",
              "Ishibashi", "Koll", "Kol", "Zhang", "Zhong"]
ENGLISH = frozenset({"nagoya", "book", "write", "what", "did", "the", "where", "is"})


def vocabulary() -> NameVocabulary:
    return NameVocabulary(TEXTS, ENGLISH)


def test_a_misspelled_name_is_searched_as_the_corpus_term_and_reported():
    correction = vocabulary().correct("What book did Takehiro Masotomo write?")
    assert correction.did_you_mean == {"Masotomo": "Masutomo"}
    assert correction.text == "What book did Takehiro Masutomo write?"


def test_a_swapped_pair_of_letters_is_one_edit():
    assert vocabulary().correct("Where is Zhang Jeiping from?").did_you_mean == {"Jeiping": "Jieping"}


def test_the_allowed_distance_grows_with_length():
    assert [max_edits(w) for w in ("Kol", "Osakka", "Finantial")] == [1, 2, 3]
    assert vocabulary().correct("What did Jasper Kol say?").did_you_mean == {"Kol": "Koll"}
    assert vocabulary().correct("Who is Jasper Kxyz?").did_you_mean == {}  # 2 edits from Koll: too far for 4 letters


def test_known_words_and_english_words_are_left_alone():
    assert vocabulary().correct("How many Chinese live in Nagoya?").did_you_mean == {}  # English word, not in corpus
    assert vocabulary().correct("Where does Cao live?").did_you_mean == {}
    assert vocabulary().correct("What did Masutomo's book say?").did_you_mean == {}  # possessive


def test_the_corpus_rarer_spelling_of_a_name_is_searched_as_its_main_one_too():
    correction = vocabulary().correct("Where does Takehiro Masumoto work?")
    assert correction.did_you_mean == {}
    assert correction.variants == ("Masutomo",)
    assert correction.search_text.endswith("Masutomo")
    assert vocabulary().correct("Where does Takehiro Masutomo work?").variants == ()  # 3 uses against 1


def test_name_order_does_not_matter_and_two_given_names_are_not_merged():
    # "Takeshi" and "Takehiro" both stand next to Masutomo but are too far apart in spelling to be one name.
    correction = vocabulary().correct("What regions does the journalist Takeshi Masutomo cover?")
    assert correction.did_you_mean == {}
    assert "Takehiro" not in correction.variants


def test_hyphenated_and_foreign_terms_are_readings():
    assert vocabulary().closest_term("masutomoo", 1) == "Masutomo"
    assert vocabulary().closest_term("wuxi", 0) == "Wuxi"
    assert vocabulary().closest_term("zzzz", 1) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_SPELLINGS), st.sampled_from(_SPELLINGS)), max_size=40))
def test_variant_groups_are_every_close_pair_that_shares_a_neighbour(adjacent):
    """Pairs come from each neighbour's names, not from all pairs of names: the same groups as the
    plain definition, which compares every pair."""
    terms = Counter(name for pair in adjacent for name in pair)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in adjacent:
        if a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    expected: dict[str, set[str]] = defaultdict(set)
    names = sorted(t for t in terms if len(t) >= 4)
    for a, b in itertools.combinations(names, 2):
        inflected = a.casefold().startswith(b.casefold()) or b.casefold().startswith(a.casefold())
        if (not inflected and neighbours[a] & neighbours[b]
                and Levenshtein.normalized_similarity(a.casefold(), b.casefold()) >= VARIANT_MIN_SIMILARITY):
            expected[a.casefold()].add(b)
            expected[b.casefold()].add(a)
    assert _variant_groups(terms, neighbours) == {k: tuple(sorted(v)) for k, v in expected.items()}


def test_after_a_write_the_vocabulary_is_the_one_a_fresh_build_makes():
    """A write adds or removes an article's share instead of reading every article again."""
    first = NameVocabulary(TEXTS[:3], ENGLISH)
    grown = first.next(added=[TEXTS[3]], removed=[])
    assert grown.counts == vocabulary().counts and grown.variants == vocabulary().variants
    assert grown.correct("Where is Zhang Jeiping from?").did_you_mean == {"Jeiping": "Jieping"}
    shrunk = grown.next(added=[], removed=[TEXTS[3], TEXTS[2]])
    assert shrunk.counts == NameVocabulary(TEXTS[:2], ENGLISH).counts
    assert shrunk.correct("Where is Zhang Jeiping from?").did_you_mean == {}  # no article names him now
    assert "masumoto" not in shrunk.variants.get("masutomo", ())
