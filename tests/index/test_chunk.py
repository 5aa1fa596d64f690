import pytest

from index.chunk import ChunkerSettings, chunk_documents
from index.corpus import load_corpus
from index.sentences import split_sentences
from tests.conftest import SEEDS

DOCS = load_corpus(SEEDS)


def _inside_word(text: str, pos: int) -> bool:
    return 0 < pos < len(text) and text[pos - 1].isalnum() and text[pos].isalnum()


@pytest.mark.parametrize("size,overlap", [(200, 40), (600, 100), (1200, 200)])
def test_every_chunk_reproduces_its_text_and_keeps_words_whole(size, overlap):
    chunks = chunk_documents(list(DOCS.values()), ChunkerSettings(size, overlap))
    assert [c.id for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        text = DOCS[chunk.doc_id].text
        assert text[chunk.start:chunk.end] == chunk.text
        assert not _inside_word(text, chunk.start), f"chunk {chunk.id} starts inside a word"
        assert not _inside_word(text, chunk.end), f"chunk {chunk.id} ends inside a word"
        assert len(chunk.text) <= size


def test_chunks_cover_every_word_of_every_document():
    chunks = chunk_documents(list(DOCS.values()), ChunkerSettings(400, 50))
    for doc in DOCS.values():
        covered = [False] * len(doc.text)
        for c in (c for c in chunks if c.doc_id == doc.id):
            covered[c.start:c.end] = [True] * (c.end - c.start)
        missed = [i for i, ch in enumerate(doc.text) if not ch.isspace() and not covered[i]]
        assert missed == [], f"{doc.id}: characters at {missed[:5]} are in no chunk"


def test_chunks_end_at_sentence_ends_when_sentences_fit():
    # The longest sentence in the corpus is ~420 characters, so at size 600 no sentence needs cutting.
    chunks = chunk_documents(list(DOCS.values()), ChunkerSettings(600, 100))
    for chunk in chunks:
        ends = {s.end for s in split_sentences(DOCS[chunk.doc_id].text)}
        starts = {s.start for s in split_sentences(DOCS[chunk.doc_id].text)}
        assert chunk.end in ends, f"chunk {chunk.id} ends mid-sentence: {chunk.text[-40:]!r}"
        assert chunk.start in starts, f"chunk {chunk.id} starts mid-sentence: {chunk.text[:40]!r}"
