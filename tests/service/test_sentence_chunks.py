"""Which chunks hold each sentence: the dense and cross-lingual legs hand a ranked sentence's chunks to
fusion, so a sentence in the overlap of two chunks must bring both, and every other sentence its one."""

from __future__ import annotations

from index.build import BuildParams, build_index
from index.chunk import ChunkerSettings
from index.corpus import Document, sha256_text
from service.sentence_chunks import SentenceChunks
from tests.hashing_embedder import MODEL_DIR


def _overlapping(s, chunks) -> list[int]:
    return [c.id for c in chunks if c.doc_id == s.doc_id and s.start < c.end and c.start < s.end]


def test_every_sentence_maps_to_exactly_the_chunks_it_overlaps(small_engine):
    index = small_engine.index
    owners = SentenceChunks(index)
    for s in index.sentences:
        assert owners.of(s.id) == _overlapping(s, index.chunks)
    assert all(owners.of(s.id) for s in index.sentences)  # no sentence is left without a chunk


def test_a_sentence_in_the_overlap_of_two_chunks_brings_both(hashing_embedder):
    text = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(12))
    docs = {"a": Document(id="a", text=text, sha256=sha256_text(text)),
            "b": Document(id="b", text="One short article. It has two sentences.",
                          sha256=sha256_text("One short article. It has two sentences."))}
    index = build_index(docs, hashing_embedder, MODEL_DIR, BuildParams(ChunkerSettings(160, 60), 10_000))
    owners = SentenceChunks(index)
    shared = [s for s in index.sentences if len(owners.of(s.id)) == 2]
    assert shared, "the chunks overlap, so some sentence lies in two of them"
    for s in index.sentences:
        assert owners.of(s.id) == _overlapping(s, index.chunks)
    assert owners.of(-1) == [] and owners.of(len(index.sentences)) == []
