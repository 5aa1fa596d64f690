"""A write saves what it changed, not the index: the previous build's files are hard-linked, the added
document is one segment, and a restart loads exactly the rows and vectors the writer held in memory."""

from __future__ import annotations

import os

import numpy as np
import pytest

from index import store
from index.corpus import Document, sha256_text
from index.multilingual import load_multilingual_embedder
from index.update import add_document, remove_document
from service.index_lifecycle import open_index, update_params


@pytest.fixture(scope="module")
def multilingual():
    """The cross-lingual leg's encoder: a write embeds its text with it too (index/multilingual.py)."""
    return load_multilingual_embedder()


def _doc(i: int) -> Document:
    text = f"Quokkaville report {i}. The ferry brought {i} families.\n\nThey opened shop number {i}.\n"
    return Document(id=f"report-{i}", text=text, sha256=sha256_text(text), title=f"Report {i}")


def _inode(data_dir, name: str) -> int:
    return os.stat(data_dir / "index" / name).st_ino


def _rows(index):
    return ([(c.id, c.doc_id, c.start, c.end, c.text) for c in index.chunks],
            [(s.id, s.doc_id, s.start, s.end) for s in index.sentences])


def test_an_added_document_is_saved_as_one_segment_beside_hard_links(scratch_settings, hashing_embedder,
                                                                       multilingual):
    data = scratch_settings.data_dir
    index = open_index(scratch_settings)
    before = {name: _inode(data, name) for name in ("chunks.faiss", "sentences.faiss", "chunks.jsonl", "added/catalog.json")}
    index = add_document(index, _doc(1), hashing_embedder, update_params(scratch_settings),
                         multilingual_embedder=multilingual)
    store.save_index(index, data)
    assert {name: _inode(data, name) for name in before} == before  # not re-saved: the same files
    assert index.manifest.segments == ["report-1"]
    assert sorted(os.listdir(data / "index" / "segments" / "report-1")) == [
        "chunks.json", "chunks.multilingual.npy", "chunks.npy", "document.json", "document.txt", "sentences.json",
        "sentences.multilingual.npy", "sentences.npy"]
    assert [p.name for p in data.iterdir() if p.name.startswith(("index-", ".index-"))] == [os.readlink(data / "index")]


def test_a_restart_loads_exactly_what_the_writer_held(scratch_settings, hashing_embedder, multilingual):
    data, params, embedder = scratch_settings.data_dir, update_params(scratch_settings), hashing_embedder
    index = open_index(scratch_settings)
    for i in range(4):
        index = add_document(index, _doc(i), embedder, params, multilingual_embedder=multilingual)
        store.save_index(index, data)
    index = remove_document(index, "report-1", params)  # a segment in the middle
    store.save_index(index, data)
    assert index.manifest.segments == ["report-0", "report-2", "report-3"]
    reloaded = open_index(scratch_settings)
    assert _rows(reloaded) == _rows(index)
    assert reloaded.added_ids == {"report-0", "report-2", "report-3"}
    assert reloaded.documents["report-2"] == _doc(2)
    for name in ("chunk_vectors", "sentence_vectors", "multilingual_chunk_vectors", "multilingual_sentence_vectors"):
        assert np.array_equal(getattr(reloaded, name).matrix(), getattr(index, name).matrix())
    query = embedder.embed(["Quokkaville report 3."])[0]
    assert reloaded.backend.dense(query, 3) == index.backend.dense(query, 3)
    assert reloaded.backend.lexical("shop number 3", 3) == index.backend.lexical("shop number 3", 3)


def test_too_many_segments_or_removing_a_folded_document_saves_in_full(scratch_settings, hashing_embedder,
                                                                       monkeypatch, multilingual):
    monkeypatch.setattr(store, "MAX_SEGMENTS", 2)
    data, params, embedder = scratch_settings.data_dir, update_params(scratch_settings), hashing_embedder
    index = open_index(scratch_settings)
    faiss_file = _inode(data, "chunks.faiss")
    for i in range(3):
        index = add_document(index, _doc(i), embedder, params, multilingual_embedder=multilingual)
        store.save_index(index, data)
    assert index.manifest.segments == []  # the third write folded all three into the base
    assert _inode(data, "chunks.faiss") != faiss_file
    assert set(store.load_corpus(data / "index" / "added")) == {"report-0", "report-1", "report-2"}
    index = remove_document(index, "report-1", params)  # in the base now: only a full save can drop it
    store.save_index(index, data)
    reloaded = open_index(scratch_settings)
    assert _rows(reloaded) == _rows(index) and "report-1" not in reloaded.documents


@pytest.mark.parametrize("damage", ["truncate", "drop"])
def test_a_damaged_segment_is_refused_with_the_rebuild_hint(scratch_settings, hashing_embedder, damage,
                                                            multilingual):
    from index.errors import IndexCorruptError

    index = add_document(open_index(scratch_settings), _doc(7), hashing_embedder, update_params(scratch_settings),
                         multilingual_embedder=multilingual)
    store.save_index(index, scratch_settings.data_dir)
    vectors = scratch_settings.data_dir / "index" / "segments" / "report-7" / "sentences.npy"
    if damage == "truncate":
        vectors.write_bytes(vectors.read_bytes()[:64])
    else:
        vectors.unlink()
    with pytest.raises(IndexCorruptError) as caught:
        open_index(scratch_settings)
    assert "runri index build --force" in caught.value.message
