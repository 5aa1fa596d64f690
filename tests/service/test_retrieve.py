"""Retrieval on the three-article corpus with the hashing embedder: exact ids and offsets for every
mode, each leg's blind spot, filters, and the edge cases (k beyond the corpus, no match, bad filters)."""

from __future__ import annotations

from datetime import date

import pytest

from index.build import BuildParams, build_index
from index.chunk import ChunkerSettings
from index.corpus import Document, sha256_text
from service.language import detect_language
from service.models import Filters, RetrievalMode
from service.request_errors import InvalidRequestError
from service.answer_candidates import gather_candidates
from service.retrieve import RankedChunk, Ranking, Retriever
from tests.hashing_embedder import MODEL_DIR, CountingEmbedder

DENSE, LEXICAL, HYBRID = RetrievalMode.dense, RetrievalMode.lexical, RetrievalMode.hybrid
MODES = list(RetrievalMode)


def _spans(result) -> list[tuple[str, int, int]]:
    return [(p.doc_id, p.start, p.end) for p in result.passages]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", ["Jasper Koll", "Who smuggles funds?", "foreign workers in Japan", "潤",
                                   "zzz qqq"])
def test_every_passage_is_its_document_text_at_its_offsets(small_engine, mode, query):
    result = small_engine.search(query, k=50, mode=mode)
    assert result.mode is mode and len(result.passages) <= len(small_engine.index.chunks)
    for p in result.passages:
        assert small_engine.index.documents[p.doc_id].text[p.start:p.end] == p.text
        # hybrid fuses the legs for the query's language ("潤" alone reads as Chinese: BM25 + cross-lingual)
        legs = small_engine.retriever.hybrid_legs(detect_language(query)) if mode is HYBRID else {mode}
        assert set(p.retrievers) <= legs
    by_doc = sorted(_spans(result))
    assert all(a[0] != b[0] or a[2] < b[1] for a, b in zip(by_doc, by_doc[1:])), "two passages overlap"


def test_a_rare_name_is_found_by_bm25_and_leads_the_hybrid_list(small_engine):
    lexical = small_engine.search("Jasper Koll", k=5, mode=LEXICAL)
    assert _spans(lexical) == [("run-to-japan", 22, 206)]  # BM25 drops chunks without the words
    hybrid = small_engine.search("Jasper Koll", k=5, mode=HYBRID)
    assert _spans(hybrid)[0] == ("run-to-japan", 22, 206)
    assert hybrid.passages[0].retrievers == [DENSE, LEXICAL]


def test_a_paraphrase_sharing_no_word_is_found_by_the_dense_leg_alone(small_engine):
    """'smuggle funds' shares no token with 'carry the money' (the hashing embedder's synonyms do)."""
    assert small_engine.search("Who smuggles funds?", k=5, mode=LEXICAL).passages == []
    for mode in (DENSE, HYBRID):
        first = small_engine.search("Who smuggles funds?", k=5, mode=mode).passages[0]
        assert (first.doc_id, first.start, first.end, first.retrievers) == ("tokyo-schools", 166, 311, [DENSE])
        assert first.text.endswith("Underground banks carry the money of the families out of China.")


@pytest.mark.parametrize("mode", MODES)
def test_k_beyond_the_corpus_returns_each_chunk_once(small_engine, mode):
    passages = small_engine.search("Japan", k=50, mode=mode).passages
    chunk_count = len(small_engine.index.chunks)
    assert 0 < len(passages) <= chunk_count
    assert len(set(_spans(small_engine.search("Japan", k=50, mode=mode)))) == len(passages)


@pytest.mark.parametrize("mode,expected", [(DENSE, 3), (LEXICAL, 0), (HYBRID, 3)])
def test_a_query_of_unknown_words_finds_nothing_lexically(small_engine, mode, expected):
    """BM25 returns only chunks that share a token; FAISS always returns its nearest."""
    assert len(small_engine.search("zzz qqq", k=3, mode=mode).passages) == expected


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("filters,docs", [
    (Filters(publication="  news on JAPAN "), {"tokyo-schools"}),
    (Filters(date_from=date(2025, 6, 1)), {"run-to-japan"}),
    (Filters(date_to=date(2025, 6, 1)), {"tokyo-schools"}),
    (Filters(doc_ids=["visa-reform", "tokyo-schools"]), {"visa-reform", "tokyo-schools"}),
    (Filters(publication="Asia Media Centre", date_from=date(2025, 7, 2), date_to=date(2025, 7, 2)),
     {"run-to-japan"}),
    (Filters(publication="Nobody"), set()),
    (Filters(doc_ids=["run-to-japan"], publication="News On Japan"), set()),  # every field must match
])
def test_filters_restrict_every_mode(small_engine, mode, filters, docs):
    passages = small_engine.search("Japan foreign workers Chinese", k=50, mode=mode, filters=filters).passages
    assert {p.doc_id for p in passages} <= docs
    if docs and mode is not LEXICAL:
        assert {p.doc_id for p in passages} == docs  # the dense leg ranks every allowed chunk


def test_an_undated_article_is_left_out_by_any_date_filter(small_engine):
    passages = small_engine.search("ESDP program workers", k=50, mode=DENSE,
                                   filters=Filters(date_from=date(2000, 1, 1))).passages
    assert "visa-reform" not in {p.doc_id for p in passages}


@pytest.mark.parametrize("mode", MODES)
def test_unknown_document_ids_are_an_invalid_request_naming_them(small_engine, mode):
    with pytest.raises(InvalidRequestError, match=r"unknown documents: 'nope', 'zzz'"):
        small_engine.search("Japan", mode=mode, filters=Filters(doc_ids=["zzz", "run-to-japan", "nope"]))


def test_the_default_k_is_the_setting(small_engine):
    assert len(small_engine.search("Japan", mode=DENSE).passages) == small_engine.settings.default_k == 5


@pytest.mark.parametrize("mode,need_vector,embedded", [
    (HYBRID, True, 1), (DENSE, False, 1), (LEXICAL, False, 0), (LEXICAL, True, 1)])
def test_the_query_is_embedded_at_most_once_per_request(small_engine, mode, need_vector, embedded):
    counting = CountingEmbedder()
    retriever = Retriever(small_engine.index, counting, rrf_k=60)
    retrieval = retriever.retrieve("foreign workers", mode, k=3, pool=30, need_vector=need_vector)
    assert counting.texts == ["foreign workers"] * embedded
    assert (retrieval.vector is not None) == bool(embedded)
    retriever.retrieve("foreign workers", mode, k=3, pool=30, need_vector=need_vector)
    assert len(counting.texts) == embedded  # the second time comes from the cache


def test_each_legs_first_hit_takes_the_last_place_when_fusion_buries_it(small_engine):
    """RRF ranks chunks both legs find above a chunk only one leg finds first; top k keeps it anyway."""
    both, also_both, lexical_only, dense_only = 1, 7, 9, 5  # chunk ids
    legs = {DENSE: [RankedChunk(dense_only, 0.9, frozenset({DENSE})), RankedChunk(both, 0.8, frozenset({DENSE})),
                    RankedChunk(also_both, 0.7, frozenset({DENSE}))],
            LEXICAL: [RankedChunk(both, 3.0, frozenset({LEXICAL})), RankedChunk(also_both, 2.0, frozenset({LEXICAL})),
                      RankedChunk(lexical_only, 1.0, frozenset({LEXICAL}))]}
    fused = [RankedChunk(both, 0.032, frozenset(RetrievalMode) - {HYBRID}),
             RankedChunk(also_both, 0.031, frozenset(RetrievalMode) - {HYBRID}),
             RankedChunk(dense_only, 0.016, frozenset({DENSE})), RankedChunk(lexical_only, 0.015, frozenset({LEXICAL}))]
    passages = small_engine.retriever.top_passages(Ranking(fused, legs), k=2)
    chunks = small_engine.index.chunks
    assert [(p.doc_id, p.start, p.end) for p in passages] == [
        (chunks[both].doc_id, chunks[both].start, chunks[both].end),
        (chunks[dense_only].doc_id, chunks[dense_only].start, chunks[dense_only].end)]
    assert passages[1].retrievers == [DENSE] and passages[1].score == 0.016  # its fused score
    one = small_engine.retriever.top_passages(Ranking(fused, legs), k=1)
    assert [(p.start, p.end) for p in one] == [(chunks[both].start, chunks[both].end)]  # k=1: fusion decides


def test_overlapping_chunks_of_one_document_merge_into_one_passage(hashing_embedder):
    text = " ".join(f"word{i}" for i in range(60))  # no sentence end: the chunker overlaps at words
    doc = Document(id="d", text=text, sha256=sha256_text(text))
    index = build_index({"d": doc}, hashing_embedder, MODEL_DIR, BuildParams(ChunkerSettings(80, 30), 10_000))
    assert index.chunks[0].end > index.chunks[1].start  # they overlap
    retriever = Retriever(index, hashing_embedder, rrf_k=60)
    ranked = [RankedChunk(c.id, 1.0 / (1 + c.id), frozenset({LEXICAL})) for c in index.chunks[:3]]
    [passage] = retriever.passages(ranked, k=5)
    assert (passage.start, passage.end) == (index.chunks[0].start, index.chunks[2].end)
    assert passage.text == text[passage.start:passage.end] and passage.score == 1.0


def test_the_dense_leg_finds_a_chunk_through_its_best_sentence(hashing_embedder):
    """A question is sentence-sized: the one sentence that answers it sits in a long chunk whose vector
    is diluted by everything else, below a short chunk that merely shares the words. Ranked by chunk
    vectors alone the digest comes first; by chunk and best sentence fused, the census does."""
    texts = {
        "census": "The ward office opened a new library. Parks were cleaned in spring. Buses now run later at night. "
                  "The festival drew large crowds. Osaka had 57,396 Chinese residents in 2024. Rents rose in the "
                  "centre. Schools added evening classes. A new bridge crosses the river.",
        "letters": "Readers wrote many letters this week. Chinese residents rallied. The paper printed some of them. "
                   "Others asked about parking, trains, taxes, weather, museums and gardens.",
        "digest": "Osaka is a large city. Its residents like food. Chinese restaurants are popular. The year 2024 "
                  "was warm.",
    }
    docs = {doc_id: Document(id=doc_id, text=text, sha256=sha256_text(text)) for doc_id, text in texts.items()}
    index = build_index(docs, hashing_embedder, MODEL_DIR, BuildParams(ChunkerSettings(2000, 0), 10_000))
    question = "How many Chinese residents did Osaka have in 2024?"
    by_chunk_vector = index.backend.dense(hashing_embedder.embed([question])[0], 3)
    assert [index.chunks[hit.row].doc_id for hit in by_chunk_vector] == ["digest", "census", "letters"]
    retriever = Retriever(index, hashing_embedder, rrf_k=60)
    for mode in (DENSE, HYBRID):
        retrieval = retriever.retrieve(question, mode, k=2, pool=30)
        first = retrieval.passages[0]
        assert (first.doc_id, first.start, first.end) == ("census", 0, len(texts["census"]))
        assert "Osaka had 57,396 Chinese residents in 2024." in first.text
        # The answer model was trained on candidates from the chunk-vector ranking: it still gets those.
        for_answers = retrieval.ranking.answer_view
        assert [index.chunks[c.chunk_id].doc_id for c in for_answers.legs[DENSE]] == ["digest", "census", "letters"]
        passages, _ = gather_candidates(retriever, retrieval.ranking, depth=1, leg_depth=0)
        assert [p.doc_id for p in passages] == ["digest"]


@pytest.mark.parametrize("filters,docs", [(Filters(doc_ids=["visa-reform"]), {"visa-reform"}),
                                          (Filters(publication="Nobody"), set())])
def test_sentences_of_chunks_a_filter_leaves_out_never_bring_them_back(small_engine, filters, docs):
    """The sentence vectors are searched without the filter; their chunks are filtered afterwards."""
    passages = small_engine.search("Underground banks carry the money of the families out of China.", k=50,
                                   mode=DENSE, filters=filters).passages
    assert {p.doc_id for p in passages} == docs


def test_without_dense_sentences_the_dense_leg_is_chunk_vectors_alone(small_engine):
    """RUNRI_DENSE_SENTENCES=false (one Milvus round trip less): ranked exactly as the chunk vectors rank."""
    retriever = Retriever(small_engine.index, small_engine.embedder, rrf_k=60, dense_sentences=False)
    vector = small_engine.embedder.embed(["foreign workers in Japan"])[0]
    ranking = retriever.ranking("foreign workers in Japan", DENSE, pool=30, query_vector=vector)
    assert [c.chunk_id for c in ranking.fused] == [hit.row for hit in small_engine.index.backend.dense(vector, 30)]
    assert ranking.for_answers is None
