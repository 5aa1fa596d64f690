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
