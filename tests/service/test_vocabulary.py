"""The sentence vocabulary keeps each sentence's tokens compactly and an article's tokens on request;
what the answer stage reads from it must be what the text says."""

from index.lexical import tokenize


def test_a_sentences_tokens_are_its_words_as_the_index_tokenizes_them(small_engine):
    index, vocabulary = small_engine.index, small_engine.vocabulary
    for s in index.sentences[:20]:
        assert vocabulary.tokens[s.id] == frozenset(tokenize(index.text_of(s.doc_id, s.start, s.end)))
    assert len(vocabulary.tokens) == len(index.sentences)
    assert vocabulary.tokens[-1] == vocabulary.tokens[len(index.sentences) - 1]  # indexed as a list is


def test_an_articles_tokens_are_every_token_of_its_sentences(small_engine):
    index, vocabulary = small_engine.index, small_engine.vocabulary
    for doc_id, doc in index.documents.items():
        expected = frozenset(t for s in index.sentences if s.doc_id == doc_id
                             for t in tokenize(doc.text[s.start:s.end]))
        tokens = vocabulary.document_tokens.get(doc_id)
        assert expected and frozenset(tokens) == expected and len(tokens) == len(expected)
        assert all(t in tokens for t in expected) and "zzz-not-a-token" not in tokens
    assert vocabulary.document_tokens.get("no-such-article", frozenset({"x"})) == frozenset({"x"})


def test_a_vocabulary_too_large_for_two_byte_ids_answers_the_same(small_engine, monkeypatch):
    """Ids are two bytes up to SHORT_IDS_UP_TO tokens and four beyond: both must hold the same sets."""
    import numpy as np

    import service.vocabulary as vocabulary

    short = small_engine.vocabulary
    monkeypatch.setattr(vocabulary, "SHORT_IDS_UP_TO", 10)
    wide = vocabulary.SentenceVocabulary(small_engine.index)
    assert short.tokens._ids.dtype == np.uint16 and wide.tokens._ids.dtype == np.int32
    assert list(wide.tokens) == list(short.tokens) and wide.df == short.df
    for doc_id in small_engine.index.documents:
        assert set(wide.document_tokens.get(doc_id)) == set(short.document_tokens.get(doc_id))
        assert all(t in wide.document_tokens.get(doc_id) for t in short.document_tokens.get(doc_id))
