"""The answer model's SQuAD split: by article title across 1.1 and 2.0, fixed, and never leaking a
held-out article into training (a figure on a trained-on article would be worthless)."""

import pytest

from eval.squad import SQUAD_DIR, heldout_titles, split_sets

pytestmark = pytest.mark.skipif(not SQUAD_DIR.is_dir(), reason="needs ../shared/bench-data/squad")


def test_the_held_out_titles_are_fixed():
    assert sorted(heldout_titles()) == ["1973_oil_crisis", "Apollo_program", "Black_Death", "Genghis_Khan",
                                        "Islamism", "Normans", "Southern_California", "United_Methodist_Church",
                                        "University_of_Chicago"]


def test_no_held_out_article_or_question_reaches_training():
    sets = split_sets()
    train_titles = {a.title for a in sets["train"].articles}
    assert not train_titles & heldout_titles()
    train_ids = {a.id for a in sets["train"].articles}
    assert all(q.doc_id in train_ids for q in sets["train"].questions)
    heldout_questions = {q.id for name in ("heldout-v2", "heldout-v1") for q in sets[name].questions}
    assert not heldout_questions & {q.id for q in sets["train"].questions}


def test_held_out_sets_are_what_the_readme_reports():
    sets = split_sets()
    v2, v1 = sets["heldout-v2"], sets["heldout-v1"]
    assert (len(v2.articles), len(v2.questions), sum(not q.answerable for q in v2.questions)) == (6, 1746, 883)
    assert (len(v1.articles), len(v1.questions)) == (9, 1560)
