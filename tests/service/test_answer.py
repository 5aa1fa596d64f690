"""The answer stage on the three-article corpus with the hashing embedder: which sentence answers (exact
ids and offsets) in every mode, when and why it abstains, and the policy's pieces by hand."""

from __future__ import annotations

import json

import pytest

from service.answer import HIGH_CONFIDENCE
from service.answer_model import MODEL_DIR, AnswerModel
from service.models import ConfidenceLevel, RetrievalMode
from service.retrieve import RankedChunk, Ranking, Retrieval
from index.sentences import Sentence

MODES = list(RetrievalMode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("question,doc_id,start,end", [
    ("How many Chinese nationals lived in Japan at the end of 2024?", "tokyo-schools", 0, 98),
    ("What share of the pupils at Argus Prep School are Chinese?", "tokyo-schools", 99, 165),
    ("Who is Jasper Koll?", "run-to-japan", 120, 206),
    ("How many people does Japan lose every day through aging?", "run-to-japan", 120, 206),
    ("When will the Employment for Skill Development Program launch?", "visa-reform", 117, 236),
    ("What will replace the technical intern program?", "visa-reform", 58, 115),
    ("What do neighbours complain about in Osaka?", "visa-reform", 485, 521),
    ("Who carries the money out of China?", "tokyo-schools", 248, 311),
])
def test_the_answer_is_the_sentence_that_states_it(small_engine, mode, question, doc_id, start, end):
    result = small_engine.ask(question, mode=mode)
    answer = result.answer
    assert answer is not None, result.abstained_reason
    assert (answer.doc_id, answer.start, answer.end) == (doc_id, start, end)
    assert answer.text == small_engine.index.documents[doc_id].text[start:end]
    assert result.abstained_reason is None and small_engine.answers.abstain_below <= result.confidence <= 1
    holder = next(p for p in result.passages if p.doc_id == doc_id and p.start <= start and end <= p.end)
    assert {"start": start, "end": end} in [h.model_dump() for h in holder.highlights]


def test_answer_metadata_comes_from_the_catalog(small_engine):
    answer = small_engine.ask("Who is Jasper Koll?").answer
    assert (answer.title, answer.publication, str(answer.date)) == ("Chinese Run To Japan", "Asia Media Centre",
                                                                  "2025-07-02")


def test_a_paraphrase_is_answered_through_the_dense_leg(small_engine):
    """'smuggles funds' shares no word with the answer: only the (hashing) embedding links them."""
    hybrid = small_engine.ask("Who smuggles funds out of China?")
    assert (hybrid.answer.doc_id, hybrid.answer.start, hybrid.answer.end) == ("tokyo-schools", 248, 311)
    assert hybrid.confidence_level is not ConfidenceLevel.low


NO_PASSAGE = "no passage of the articles matches the question"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("question,reason,lexical_reason", [
    ("How many Chinese residents live in Nagoya?", "the articles never mention “Nagoya”", None),
    ("How do I bake a chocolate cake?", "no sentence in the articles answers this with enough confidence", NO_PASSAGE),
])
def test_unanswerable_questions_abstain_with_the_reason(small_engine, mode, question, reason, lexical_reason):
    result = small_engine.ask(question, mode=mode)
    expected = lexical_reason if mode is RetrievalMode.lexical and lexical_reason else reason
    assert result.answer is None and result.abstained_reason == expected
    assert result.confidence_level is ConfidenceLevel.low
    assert result.also_reported_in == [] and all(p.highlights == [] for p in result.passages)
    assert bool(result.passages) is (expected != NO_PASSAGE)  # the closest passages, for the reader to judge


def test_nothing_retrieved_is_an_abstention(small_engine):
    result = small_engine.ask("zzz qqq", mode=RetrievalMode.lexical)
    assert (result.answer, result.passages, result.confidence) == (None, [], 0.0)
    assert result.abstained_reason == NO_PASSAGE


@pytest.mark.parametrize("k", [1, 2, 5, 11, 50])
def test_k_bounds_the_passages(small_engine, k):
    result = small_engine.ask("Why do Chinese families move to Japan?", k=k, mode=RetrievalMode.dense)
    assert len(result.passages) == min(k, len(small_engine.index.chunks))


def test_a_legs_head_that_wins_leads_the_passages(small_engine):
    """Fusion left the Koll chunk out of the top k, but the lexical leg's head still competes, wins,
    and leads the passages with its sentence highlighted."""
    index, question = small_engine.index, "Who is Jasper Koll?"
    koll, osaka = 1, 10  # chunk ids: run-to-japan 22-206, visa-reform 434-521
    assert (index.chunks[koll].doc_id, index.chunks[osaka].doc_id) == ("run-to-japan", "visa-reform")
    ranking = Ranking([RankedChunk(osaka, 0.03, frozenset({RetrievalMode.dense}))],
                      {RetrievalMode.lexical: [RankedChunk(koll, 1.2, frozenset({RetrievalMode.lexical}))]})
    passages = small_engine.retriever.passages(ranking.fused, 1)
    vector = small_engine.retriever.queries.embed_query(question)
    decision = small_engine.answers.decide(question, Retrieval(vector, ranking, passages, k=1))
    assert decision.sentence == Sentence(decision.sentence.id, "run-to-japan", 120, 206)
    assert [(p.doc_id, p.start, p.end) for p in decision.passages] == [("run-to-japan", 22, 206)]


def test_confidence_level_follows_the_calibrated_confidence(small_engine):
    for question in ("Who is Jasper Koll?", "How do I bake a chocolate cake?",
                     "What share of the pupils at Argus Prep School are Chinese?"):
        result = small_engine.ask(question)
        if result.answer is None:
            assert result.confidence_level is ConfidenceLevel.low
        else:
            expected = ConfidenceLevel.high if result.confidence >= HIGH_CONFIDENCE else ConfidenceLevel.medium
            assert result.confidence_level is expected


def test_an_abstention_names_the_sentence_its_confidence_is_about(small_engine):
    result = small_engine.ask("How many Chinese residents live in Nagoya?")
    assert result.answer is None and result.closest is not None
    doc = small_engine.index.documents[result.closest.doc_id]
    assert doc.text[result.closest.start:result.closest.end] == result.closest.text


def test_a_model_trained_on_other_features_is_refused(tmp_path):
    for name in ("ranker.onnx", "judge.onnx"):
        (tmp_path / name).write_bytes((MODEL_DIR / name).read_bytes())
    config = json.loads((MODEL_DIR / "calibration.json").read_text(encoding="utf-8"))
    config["features"] = config["features"][:-1]
    (tmp_path / "calibration.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain it with `make train-answerer`"):
        AnswerModel(tmp_path)


def test_sentence_facts_kept_for_answers_are_bounded(small_engine, monkeypatch):
    """A long-running server touches every sentence eventually: what it keeps per sentence must not grow
    with the corpus (it was a dict of ~5.7 KB per sentence)."""
    import service.answer_features as features

    monkeypatch.setattr(features, "FACTS_KEPT", 4)
    extractor = features.FeatureExtractor(small_engine.index, small_engine.vocabulary)
    for sentence_id in range(10):
        extractor._facts(sentence_id)
    assert extractor._facts.cache_info().currsize == 4
    ninth = small_engine.index.sentences[9]
    assert extractor._facts(9) == features.sentence_facts(small_engine.index.text_of(ninth.doc_id, ninth.start,
                                                                                       ninth.end))
