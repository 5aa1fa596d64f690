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


def _same(carried, fresh, index) -> None:
    assert list(carried.tokens) == list(fresh.tokens) and carried.df == fresh.df and carried.size == fresh.size
    assert carried.metadata_tokens == fresh.metadata_tokens
    for doc_id in index.documents:
        assert set(carried.document_tokens.get(doc_id)) == set(fresh.document_tokens.get(doc_id))
        assert all(t in carried.document_tokens.get(doc_id) for t in fresh.document_tokens.get(doc_id))
    for token in fresh.df:
        assert carried.idf(token) == fresh.idf(token) and carried.knows(token)


def test_after_writes_the_vocabulary_is_the_one_a_fresh_build_makes(small_engine, small_settings, hashing_embedder,
                                                                     monkeypatch):
    """A write tokenizes only the sentences of the article it added (a full rebuild took 29 s at a
    million chunks); what the answer stage reads is what a vocabulary built afresh says, and the
    vocabulary before the write still answers for the readers that hold it."""
    import service.vocabulary as vocabulary_module
    from index.corpus import Document, sha256_text
    from index.update import add_document, remove_document
    from service.index_lifecycle import update_params
    from service.vocabulary import SentenceVocabulary

    params, multilingual = update_params(small_settings), small_engine.multilingual_embedder
    index, before = small_engine.index, small_engine.vocabulary
    first, second = list(index.documents)[:2]
    old_tokens = list(before.tokens)
    text = "Quokkas reached Osaka in 2025. Zebrafish followed the quokkas there."
    index = add_document(index, Document("quokka", text, sha256_text(text)), hashing_embedder, params,
                         multilingual_embedder=multilingual)
    tokenized: list[str] = []
    real = vocabulary_module.tokenize
    monkeypatch.setattr(vocabulary_module, "tokenize", lambda t: tokenized.append(t) or real(t))
    grown = before.next(index, frozenset({"quokka"}))
    monkeypatch.setattr(vocabulary_module, "tokenize", real)
    metadata = {f for doc in index.documents.values() for f in (doc.title, doc.publication, doc.author) if f}
    assert tokenized and all(t in text or t in metadata for t in tokenized)
    _same(grown, SentenceVocabulary(index), index)
    zebrafish = next(iter(real("Zebrafish")))
    assert grown.knows(zebrafish) and zebrafish in grown.document_tokens.get("quokka")
    assert not before.knows(zebrafish) and zebrafish not in before.document_tokens.get(first)
    assert list(before.tokens) == old_tokens  # the shared token table only grew

    only_first = set(grown.document_tokens.get(first)) - {t for d in index.documents if d != first
                                                          for t in grown.document_tokens.get(d)}
    index = remove_document(index, first, params)
    shrunk = grown.next(index, frozenset({first}))
    _same(shrunk, SentenceVocabulary(index), index)
    assert only_first and not any(shrunk.knows(t) for t in only_first - shrunk.metadata_tokens)

    replaced = "Bunkyo schools filled up. Zebrafish left."
    index = add_document(remove_document(index, second, params), Document(second, replaced, sha256_text(replaced)),
                         hashing_embedder, params, multilingual_embedder=multilingual)
    _same(shrunk.next(index, frozenset({second})), SentenceVocabulary(index), index)
