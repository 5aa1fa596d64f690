"""A served index above the IVF threshold maps its vector files (RUNRI_MAP_VECTORS): writes still work,
through the tail beside the read-only base, across restarts and full saves; and the names a write adds or
removes are corrected or no longer (the name vocabulary follows the write instead of rereading the corpus)."""

from __future__ import annotations

import pytest

import index.store
from service.engine import Engine
from service.index_lifecycle import build, open_index
from service.ingest import Ingestor
from service.models import NewDocument
from service.settings import Settings
from tests.hashing_embedder import MODEL_DIR

TEXT = "Quokkaville's ferry brought 77 new families. They opened a tofu shop near the Quokkaville harbour.\n"


@pytest.mark.parametrize("full_saves", [False, True], ids=["segment saves", "full saves"])
def test_writes_to_a_mapped_index_are_searchable_and_survive_a_restart(three_articles, tmp_path, hashing_embedder,
                                                                       monkeypatch, full_saves):
    if full_saves:  # every write folds the tail into the base files
        monkeypatch.setattr(index.store, "MAX_SEGMENTS", -1)
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=three_articles, model_path=MODEL_DIR, chunk_size=200,
                        chunk_overlap=40, approximate_threshold=10, ivf_nlist_per_sqrt_n=1.0, ivf_nprobe=64)
    build(settings, embedder=hashing_embedder)
    state = {"engine": Engine(settings, open_index(settings), hashing_embedder)}
    assert state["engine"].index.chunk_vectors.mapped and state["engine"].index.multilingual_sentence_vectors.mapped
    ingestor = Ingestor(settings, current=lambda: state["engine"], publish=lambda e: state.update(engine=e))
    before = state["engine"].index.chunk_vectors.size

    added = ingestor.add(NewDocument(id="quokka", text=TEXT))
    assert state["engine"].search("Quokkaville tofu shop", mode="dense").passages[0].doc_id == added.id
    assert state["engine"].search("Quokaville ferry").did_you_mean == {"Quokaville": "Quokkaville"}  # its names too
    restarted = open_index(settings)
    assert restarted.chunk_vectors.mapped and restarted.chunk_vectors.size == before + added.chunks
    state["engine"] = Engine(settings, restarted, hashing_embedder)
    assert state["engine"].search("Quokkaville tofu shop", mode="dense").passages[0].doc_id == "quokka"

    ingestor.remove("quokka")
    assert state["engine"].search("Quokaville ferry").did_you_mean == {}
    assert "quokka" not in {p.doc_id for p in state["engine"].search("Quokkaville tofu shop", k=20).passages}
    assert open_index(settings).chunk_vectors.size == before
