"""Chunk and sentence rows as arrays: the same rows, offsets and texts as the objects they replace."""

import pytest

from index.chunk import Chunk
from index.corpus import Document
from index.rows import ChunkRows, SentenceRows
from index.sentences import Sentence, split_sentences

TEXT = {"a": "First one. Second one here. Third.", "b": "Only sentence of b.", "c": "C one. C two."}
DOCS = {d: Document(id=d, text=t, sha256="x", title=None, publication=None, author=None, date=None, url=None)
        for d, t in TEXT.items()}


def _sentences() -> list[Sentence]:
    spans = [(d, s) for d in TEXT for s in split_sentences(TEXT[d])]
    return [Sentence(i, d, s.start, s.end) for i, (d, s) in enumerate(spans)]


def test_rows_read_back_as_the_sentences_they_were_made_from():
    sentences = _sentences()
    rows = SentenceRows.of(sentences)
    assert list(rows) == sentences and rows[-1] == sentences[-1] and rows[1:3] == sentences[1:3]
    assert [rows.doc_id(i) for i in range(len(rows))] == [s.doc_id for s in sentences]
    assert list(rows.block("c")) == [s.id for s in sentences if s.doc_id == "c"]
    assert list(rows.block("unknown")) == []
    with pytest.raises(IndexError):
        rows[len(rows)]


def test_overlapping_sentences_match_a_scan_of_every_sentence():
    sentences, rows = _sentences(), SentenceRows.of(_sentences())
    for doc_id, text in TEXT.items():
        for start in range(len(text)):
            for end in range(start + 1, len(text) + 1, 3):
                expected = [s.id for s in sentences if s.doc_id == doc_id and s.end > start and s.start < end]
                assert list(rows.overlapping(doc_id, start, end)) == expected, (doc_id, start, end)


def test_a_chunk_is_its_documents_text_at_its_offsets():
    chunks = [Chunk(0, "a", 0, 10, "First one."), Chunk(1, "a", 11, 34, TEXT["a"][11:34]),
              Chunk(2, "b", 0, 19, TEXT["b"])]
    rows = ChunkRows.of(chunks, DOCS)
    assert list(rows) == chunks and rows[1].text == "Second one here. Third."
    assert rows.rows_of(["b", "a"]).tolist() == [0, 1, 2] and rows.rows_of(["b"]).tolist() == [2]


def test_a_write_appends_or_removes_a_whole_document_and_renumbers():
    rows = SentenceRows.of(_sentences())
    added = rows.extended("d", [(0, 4), (5, 9)])
    assert len(added) == len(rows) + 2 and added[-1] == Sentence(len(rows) + 1, "d", 5, 9)
    removed = added.without("b")
    assert [s.doc_id for s in removed] == [s.doc_id for s in added if s.doc_id != "b"]
    assert [s.id for s in removed] == list(range(len(removed)))
    assert added.without_mask("b").tolist() == [s.doc_id != "b" for s in added]
    with pytest.raises(ValueError, match="already has rows"):
        added.extended("d", [(0, 1)])


def test_rows_out_of_order_are_refused():
    with pytest.raises(ValueError, match="not contiguous"):
        SentenceRows.from_spans(["a", "b", "a"], [0, 0, 5], [4, 4, 9])
    with pytest.raises(ValueError, match="row 0 has id 1"):
        SentenceRows.of([Sentence(1, "a", 0, 4)])
