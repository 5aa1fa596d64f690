"""Quote lookup on the three-article corpus with the hashing embedder: the verdict, the original wording
at its exact offsets and the word diff, for each kind of quote and the edge cases."""

from __future__ import annotations

import pytest

from service.models import Verdict

EXACT, NEAR, ALTERED = Verdict.exact, Verdict.near, Verdict.altered
PARAPHRASE, NOT_FOUND = Verdict.paraphrase, Verdict.not_found
ECONOMY = [("tokyo-schools", 312, 368), ("visa-reform", 0, 56), ("visa-reform", 376, 432)]


def _cite(engine, text: str):
    result = engine.cite(text)
    for check in [result.whole, *result.sentences]:
        assert text[check.start:check.end] == check.text
        for match in check.matches:  # the article's own wording at its own offsets
            assert engine.index.documents[match.doc_id].text[match.start:match.end] == match.text
    return result


def _where(check) -> list[tuple[str, int, int]]:
    return [(m.doc_id, m.start, m.end) for m in check.matches]


def _changes(match) -> list[tuple[str, str, str]]:
    return [(d.op, d.original, d.pasted) for d in match.diff if d.op != "equal"]


@pytest.mark.parametrize("quote,where", [
    ("Japan urgently needs foreign workers to fuel its economy", ECONOMY),  # every occurrence, in order
    ("japan URGENTLY needs   foreign workers", [(d, s, s + 36) for d, s, _ in ECONOMY]),  # case and spacing
    ('"That signals that you want to talk about visas," Zhang says.', [("run-to-japan", 296, 357)]),  # “curly”
    ("In Osaka, minpaku rentals have grown quickly...", [("visa-reform", 434, 484)]),  # ". . ."
    ('"Japan is easy to enter and invest in."', [("run-to-japan", 207, 243)]),  # quoting marks dropped
    ("潤", [("run-to-japan", 427, 428)]),
])
def test_verbatim_quotes_are_exact_wherever_they_occur(small_engine, quote, where):
    result = _cite(small_engine, quote)
    assert result.verdict is EXACT and _where(result.whole) == where
    assert {m.verdict for m in result.whole.matches} == {EXACT} and {m.score for m in result.whole.matches} == {1.0}


def test_a_word_that_is_part_of_a_longer_word_is_not_exact(small_engine):
    """'Japan' occurs eight times as a word; inside 'Japanese' it is not a quote of it."""
    result = _cite(small_engine, "Japan")
    assert result.verdict is EXACT and len(result.whole.matches) == 8
    assert all(m.text == "Japan" for m in result.whole.matches)


@pytest.mark.parametrize("quote,where,score,changes", [
    ("Japan is simple to enter and invest in.", ("run-to-japan", 207, 244), 0.8919,
     [("replace", "easy", "simple")]),
    ("Wealthy famlies pay cash for apartmnts in Tokyo.", ("run-to-japan", 245, 295), 0.9792,
     [("replace", "families", "famlies"), ("replace", "apartments", "apartmnts")]),
    ("Economist Jasper Koll estimates that Japan loses 2,500 people every day through ageing.",
     ("run-to-japan", 120, 206), 0.9942, [("replace", "aging", "ageing")]),
])
def test_altered_quotes_are_near_with_the_original_and_a_word_diff(small_engine, quote, where, score, changes):
    result = _cite(small_engine, quote)
    [match] = result.whole.matches
    assert result.verdict is NEAR and (match.doc_id, match.start, match.end) == where
    assert match.score == score and _changes(match) == changes


def test_a_quote_cut_inside_a_word_is_near_and_never_cuts_the_original_word(small_engine):
    result = _cite(small_engine, "needs foreign work to fuel its economy")
    assert result.verdict is NEAR
    assert {m.text for m in result.whole.matches} == {"needs foreign workers to fuel its economy"}
    assert _changes(result.whole.matches[0]) == [("replace", "workers", "work")]


def test_an_ellipsis_is_an_omission_listed_at_its_offsets(small_engine):
    result = _cite(small_engine, "Under the program, hundreds of thousands of young workers from Asia took jobs in "
                                 "Japanese farms ... and long-term care facilities.")
    [match] = result.whole.matches
    assert result.verdict is EXACT and (match.doc_id, match.start, match.end) == ("visa-reform", 237, 375)
    [omitted] = match.omissions
    assert omitted.text == "factories" == small_engine.index.documents["visa-reform"].text[omitted.start:omitted.end]
    assert _changes(match) == [("omit", "factories", "...")]


def test_a_changed_figure_is_altered_and_named(small_engine):
    result = _cite(small_engine, "Economist Jasper Koll estimates that Japan loses 3,500 people every day through aging.")
    [match] = result.whole.matches
    assert result.verdict is ALTERED and (match.doc_id, match.start, match.end) == ("run-to-japan", 120, 206)
    assert [(c.kind, c.original, c.pasted) for c in match.material_changes] == [("figure", "2,500", "3,500")]


@pytest.mark.parametrize("quote,changes", [
    ("Economist Jasper Koll estimates that Korea loses 2,500 people every day through aging.",
     [("name", "Japan", "Korea")]),
    ("About 30% of the pupils at Argus Prep School in Osaka are Chinese.", [("name", "Tokyo", "Osaka")]),
])
def test_another_name_in_place_of_the_articles_is_altered_and_named(small_engine, quote, changes):
    result = _cite(small_engine, quote)
    assert result.verdict is ALTERED
    assert [(c.kind, c.original, c.pasted) for c in result.whole.matches[0].material_changes] == changes


@pytest.mark.parametrize("quote", [
    "Economist Jasper Kol estimates that Japan loses 2,500 people every day through aging.",  # misspelt: same name
    "Economist Koll estimates that Japan loses 2,500 people every day through aging.",  # a name dropped
])
def test_a_misspelt_or_shortened_name_is_not_another_name(small_engine, quote):
    result = _cite(small_engine, quote)
    assert result.verdict is NEAR and result.whole.matches[0].material_changes == []


def test_a_paraphrase_names_its_source_sentence(small_engine):
    quote = ("Workers may change employers after one year under the Employment for Skill Development Program, "
             "scheduled to launch by 2027.")
    result = _cite(small_engine, quote)
    [match] = result.whole.matches
    assert result.verdict is PARAPHRASE and (match.doc_id, match.start, match.end) == ("visa-reform", 117, 236)
    assert match.diff == [] and small_engine.settings.cite_paraphrase_min_similarity <= match.score < 1


@pytest.mark.parametrize("quote", [
    "Workers may change employers after one year under the Employment for Skill Development Program, "
    "scheduled to launch by 2029.",  # a paraphrase with another figure is another claim
    "Cao says she regrets moving to Tokyo and plans to return to China next year.",
    "x", "!!!", "...", "“ ”",
])
def test_fabricated_or_empty_quotes_are_not_found(small_engine, quote):
    result = _cite(small_engine, quote)
    assert result.verdict is NOT_FOUND and result.whole.matches == []


def test_a_paragraph_is_checked_whole_and_sentence_by_sentence(small_engine):
    text = ("Japan is simple to enter and invest in. Japan urgently needs foreign workers to fuel its economy. "
            "Cao says she regrets moving to Tokyo.")
    result = _cite(small_engine, text)
    assert result.verdict is NOT_FOUND  # the three are not one passage anywhere
    assert [(s.start, s.end, s.verdict) for s in result.sentences] == [(0, 39, NEAR), (40, 97, EXACT),
                                                                       (98, 135, NOT_FOUND)]
    assert _where(result.sentences[1]) == [(d, s, e + 1) for d, s, e in ECONOMY]  # with its full stop


def test_one_sentence_is_not_checked_again_sentence_by_sentence(small_engine):
    assert _cite(small_engine, "Japan is easy to enter and invest in.").sentences == []


def test_matches_are_capped_and_the_best_come_first(small_engine):
    result = _cite(small_engine, "Japan")
    assert len(result.whole.matches) <= small_engine.settings.cite_max_matches
    scores = [m.score for m in result.whole.matches]
    assert scores == sorted(scores, reverse=True)


def test_an_articles_words_are_found_again_once_no_longer_kept(small_engine):
    """Only the last few hundred articles' words are kept (a million chunks' would take a gigabyte):
    quote lookup finds them again and answers the same."""
    from service import worddiff

    quote = "Economist Jasper Koll estimates that Japan loses 3,500 people every day through aging."
    worddiff._article_words.cache_clear()
    [match] = _cite(small_engine, quote).whole.matches
    assert (match.doc_id, match.start, match.end) == ("run-to-japan", 120, 206)
    assert 0 < worddiff._article_words.cache_info().currsize <= worddiff.ARTICLE_WORDS_KEPT
