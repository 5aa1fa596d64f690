"""The Milvus backend (on Milvus Lite) answers exactly like the embedded FAISS one: same passages at
the same offsets, same answers, same quote lookups, filters pushed down, live writes as upserts and
deletes, and a rebuild that switches an alias."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from index.corpus import Document, sha256_text
from index.milvus import MilvusBackend, MilvusConfig, client_for, filter_expression, write_new_collections
from index.backend import Scope
from index.store import CorpusIndex
from index.update import add_document, remove_document
from service.engine import Engine
from service.index_lifecycle import build, embedder_for, open_index, update_params
from service.models import Filters, RetrievalMode
from service.settings import REPO_ROOT, Settings

GOLD = REPO_ROOT / "eval" / "questions.jsonl"
QUOTES = REPO_ROOT / "eval" / "quotes.jsonl"
PARITY_QUESTIONS = 40  # a reduced eval: enough to cover every kind of question, fast enough for CI


@pytest.fixture(scope="module")
def milvus_engine(engine: Engine, tmp_path_factory) -> Engine:
    """The session's FAISS index copied into Milvus Lite: same rows, same vectors (nothing re-embedded)."""
    index = engine.index
    config = MilvusConfig(uri=str(tmp_path_factory.mktemp("milvus") / "milvus.db"))
    names = write_new_collections(config, index.documents, index.chunks, index.sentences,
                                  index.chunk_vectors.matrix(), index.sentence_vectors.matrix())
    backend = MilvusBackend(config, names, index.chunks, index.sentences, publish_names=True)
    backend.publish()
    copy = CorpusIndex(index.manifest, index.documents, index.chunks, index.sentences, backend, index.added_ids,
                       multilingual=index.multilingual)  # the cross-lingual leg stays in FAISS with either backend
    return Engine(engine.settings, copy, engine.embedder)


def _gold(path: Path, n: int) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:n]


def _passages(result) -> list[tuple]:
    return [(p.doc_id, p.start, p.end, sorted(p.retrievers)) for p in result.passages]


@pytest.mark.parametrize("mode", list(RetrievalMode))
def test_search_returns_the_same_passages_as_faiss(engine, milvus_engine, mode):
    for row in _gold(GOLD, PARITY_QUESTIONS):
        expected = engine.search(row["question"], k=5, mode=mode)
        found = milvus_engine.search(row["question"], k=5, mode=mode)
        assert _passages(found) == _passages(expected), row["question"]


def test_answers_and_quote_lookups_match_faiss_to_the_offset(engine, milvus_engine):
    for row in _gold(GOLD, PARITY_QUESTIONS):
        a, b = engine.ask(row["question"]), milvus_engine.ask(row["question"])
        assert (b.answer, b.confidence, b.abstained_reason) == (a.answer, a.confidence, a.abstained_reason)
        assert [(c.doc_id, c.start, c.end) for c in b.also_reported_in] == [
            (c.doc_id, c.start, c.end) for c in a.also_reported_in]
    for row in _gold(QUOTES, 20):
        a, b = engine.cite(row["text"]), milvus_engine.cite(row["text"])
        assert b.whole.model_dump() == a.whole.model_dump()


@pytest.mark.parametrize("filters", [
    Filters(publication="  asia media centre "),
    Filters(date_from=date(2025, 6, 1)),
    Filters(date_to=date(2025, 5, 31), doc_ids=["001_549853e61d50ae2c", "003_f119616ee21580a0"]),
])
def test_filters_are_pushed_down_and_match_faiss(engine, milvus_engine, filters):
    for mode in (RetrievalMode.dense, RetrievalMode.lexical):
        expected = engine.search("Chinese residents in Japan", k=5, mode=mode, filters=filters)
        found = milvus_engine.search("Chinese residents in Japan", k=5, mode=mode, filters=filters)
        assert _passages(found) == _passages(expected) != []


def test_filter_expression_quotes_values_and_skips_undated_documents():
    scope = Scope(frozenset({"a"}), 'O"Hare Times', date(2025, 1, 1), None)
    assert filter_expression(scope) == ('doc_id in ["a"] and publication == "o\\"hare times" and date != "" '
                                        'and date >= "2025-01-01"')
    lenient = Scope(None, None, date(2025, 1, 1), date(2025, 6, 30), include_undated=True)
    assert filter_expression(lenient) == ('(date == "" or (date != "" and date >= "2025-01-01" '
                                          'and date <= "2025-06-30"))')
    assert filter_expression(None) == ""


TEXT = "Quokkaville's ferry brought 77 new families. They opened a tofu shop near the harbour.\n"


def test_live_add_and_remove_are_milvus_upserts_and_deletes(milvus_engine, settings):
    doc = Document(id="quokka", text=TEXT, sha256=sha256_text(TEXT), publication="Harbour News")
    added = add_document(milvus_engine.index, doc, milvus_engine.embedder, update_params(settings),
                         multilingual_embedder=milvus_engine.multilingual_embedder)
    added.backend.publish()
    engine = Engine(settings, added, milvus_engine.embedder)
    # Dense: Milvus Lite keeps BM25 statistics per segment, so a just-added row's BM25 score is not
    # comparable with the bulk's until segments merge (a Milvus server uses global statistics).
    hit = engine.search("a tofu shop near the harbour", k=1, mode=RetrievalMode.dense).passages[0]
    assert (hit.doc_id, hit.start, hit.end) == ("quokka", 0, len(TEXT) - 1)
    assert engine.search("ferry families", k=3, filters=Filters(publication="harbour news")).passages[0].doc_id \
        == "quokka"
    removed = remove_document(added, "quokka", update_params(settings))
    assert removed.backend.stored_counts()["chunks"] == len(added.chunks)  # deleted only once published
    removed.backend.publish()
    assert removed.backend.stored_counts() == {"chunks": len(removed.chunks), "sentences": len(removed.sentences)}
    after = Engine(settings, removed, milvus_engine.embedder)
    assert all(p.doc_id != "quokka" for p in after.search("tofu shop by the harbour", k=5).passages)


def test_build_with_milvus_records_collections_and_a_rebuild_switches_the_alias(small_settings, hashing_embedder,
                                                                                tmp_path):
    settings = small_settings.model_copy(update={"data_dir": tmp_path / "data", "backend": "milvus"})
    first, built = build(settings, embedder=hashing_embedder)
    assert built and first.manifest.fingerprint.backend == "milvus"
    client = client_for(MilvusConfig(settings.resolved_milvus_uri))
    assert client.describe_alias("runri_chunks")["collection_name"] == first.manifest.collections["chunks"]
    second, _ = build(settings, force=True, embedder=hashing_embedder)
    assert client.describe_alias("runri_chunks")["collection_name"] == second.manifest.collections["chunks"]
    third, _ = build(settings, force=True, embedder=hashing_embedder)
    kept = {c for c in client.list_collections() if c.startswith("runri_chunks_")}
    assert kept == {second.manifest.collections["chunks"], third.manifest.collections["chunks"]}
    reopened = open_index(settings)
    assert reopened.backend.kind == "milvus" and len(reopened.chunks) == len(third.chunks)
    passages = Engine(settings, reopened, hashing_embedder).search("Jasper Koll", k=1).passages
    assert [(p.doc_id, p.start, p.end) for p in passages] == [("run-to-japan", 22, 206)]


def test_switching_backend_makes_the_index_stale(settings, engine):
    from service.index_lifecycle import index_status

    status = index_status(settings.model_copy(update={"backend": "milvus"}))
    assert not status.fresh and "backend faiss -> milvus" in status.reasons
