import math

import numpy as np
import pytest

from index.lexical import LexicalIndex, tokenize, top_k


@pytest.mark.parametrize("text,expected", [
    ("870,000 Chinese nationals", ["870000", "chines", "nation"]),
    ("the phrase 潤日or", ["phrase", "潤", "日", "潤日"]),
    ("Rùn(潤/润)", ["run", "潤", "润"]),
    ("ルン", ["ル", "ン", "ルン"]),
    ("The Run-ri are in Japan.", ["run", "ri", "japan"]),
    ("45.4% of graduates", ["45.4", "graduat"]),
])
def test_tokenizer_handles_numbers_cjk_accents_and_stopwords(text, expected):
    assert tokenize(text) == expected


def _lucene_bm25(query: list[str], docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """Lucene BM25 by hand: idf = ln(1 + (N - df + .5) / (df + .5)), tf part = tf / (tf + k1 (1 - b + b L / avgL))."""
    n, avg = len(docs), sum(map(len, docs)) / len(docs)
    scores = []
    for doc in docs:
        total = 0.0
        for term in set(query):
            df = sum(term in d for d in docs)
            tf = doc.count(term)
            if df and tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                total += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avg))
        scores.append(total)
    return scores


def test_bm25_scores_match_the_lucene_formula():
    texts = ["Osaka minpaku rentals grow in Osaka", "Tokyo property prices rise", "Minpaku rules in Tokyo and Osaka"]
    index = LexicalIndex.build(texts)
    query = "osaka minpaku"
    expected = _lucene_bm25(tokenize(query), [tokenize(t) for t in texts])
    assert np.allclose(index.scores(query), expected, atol=1e-5)


def test_search_ranks_and_drops_non_matching_chunks():
    index = LexicalIndex.build(["Osaka minpaku rentals", "Tokyo property prices", "Minpaku rules in Osaka"])
    scores, ids = index.search("minpaku osaka", k=10)
    assert list(ids) == [0, 2] or list(ids) == [2, 0]
    assert 1 not in ids
    assert index.search("completely unknown words", k=5)[1].size == 0


def test_top_k_breaks_ties_by_position_and_handles_k_beyond_size():
    scores, ids = top_k(np.array([0.0, 2.0, 1.0, 2.0], dtype=np.float32), k=10)
    assert list(ids) == [1, 3, 2]
    assert top_k(np.array([1.0], dtype=np.float32), k=0)[1].size == 0


CORPUS = ["Osaka minpaku rentals grow in Osaka", "Tokyo property prices rise", "", "Minpaku rules in Tokyo and Osaka",
          "潤日 migrants buy in Tokyo", "870,000 Chinese nationals live in Japan"]
QUERIES = ["osaka minpaku", "tokyo prices", "潤日", "chinese nationals 870,000", "japan rules", "unknown words"]


def _same_scores(index: LexicalIndex, texts: list[str]) -> None:
    fresh = LexicalIndex.build(texts)
    for query in QUERIES:
        assert np.array_equal(index.scores(query), fresh.scores(query)), query


def _never_read() -> list[str]:
    raise AssertionError("the known chunks' texts were read: their token ids are saved")


def test_writes_and_a_reload_score_as_a_fresh_build_and_tokenize_only_new_chunks(tmp_path, monkeypatch):
    """A write rebuilds BM25 from the chunks' saved token ids: the scores are exactly a fresh build's,
    an empty chunk included, and only the added chunks are tokenized (the others' texts are not even
    made), also after a reload."""
    import index.lexical as lexical

    built = LexicalIndex.build(CORPUS[:4])
    built.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, size=4)
    tokenized: list[str] = []
    real = lexical._tokens_of
    monkeypatch.setattr(lexical, "_tokens_of", lambda text: tokenized.append(text) or real(text))
    grown = loaded.with_added(CORPUS[4:], _never_read)
    assert tokenized == CORPUS[4:]
    _same_scores(grown, CORPUS)
    keep = np.array([True, False, True, True, False, True])
    tokenized.clear()
    shrunk = grown.without_rows(keep, _never_read)
    assert tokenized == []  # a removal tokenizes nothing
    _same_scores(shrunk, [t for t, k in zip(CORPUS, keep) if k])
    shrunk.save(tmp_path / "again")
    kept = [t for t, k in zip(CORPUS, keep) if k]
    _same_scores(LexicalIndex.load(tmp_path / "again", size=4).with_added(["Osaka again"], _never_read),
                 kept + ["Osaka again"])


def test_an_index_saved_without_chunk_tokens_tokenizes_them_at_its_first_write(tmp_path):
    LexicalIndex.build(CORPUS[:4]).save(tmp_path)
    for name in (lexical_files := ("chunk_token_ids.npy", "chunk_token_offsets.npy")):
        (tmp_path / name).unlink()
    assert lexical_files
    _same_scores(LexicalIndex.load(tmp_path, size=4).with_added(CORPUS[4:], lambda: CORPUS[:4]), CORPUS)
