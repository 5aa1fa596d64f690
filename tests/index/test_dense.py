"""Above the size threshold the dense index is IVF: same answers as exact search here, filters work,
incremental adds and removals keep it IVF, and it survives a save and load."""

import faiss
import numpy as np

from index.dense import DenseIndex, IvfParams


def test_ivf_above_the_threshold_finds_what_exact_search_finds(engine, tmp_path):
    vectors = engine.index.chunk_vectors.matrix()
    exact = DenseIndex.build(vectors, approximate_threshold=len(vectors))
    ivf = DenseIndex.build(vectors, approximate_threshold=10, ivf=IvfParams(nlist_per_sqrt_n=1.0, nprobe=12))
    assert (exact.kind, ivf.kind) == ("flat", "ivf")
    queries = engine.embedder.embed(["How many Chinese live in Japan?", "What is 潤日?", "Tokyo flat prices"])
    agree = [set(exact.search(q, 5)[1][:3]) == set(ivf.search(q, 5)[1][:3]) for q in queries]
    assert sum(agree) >= 2
    allowed = np.array([c.id for c in engine.index.chunks if c.doc_id == "002_d4ea2832484711c0"])
    _, rows = ivf.search(queries[0], 5, allowed)
    assert len(rows) and set(rows) <= set(allowed)
    ivf.save(tmp_path / "ivf.faiss")
    loaded = DenseIndex.load(tmp_path / "ivf.faiss")
    assert loaded.kind == "ivf" and np.array_equal(loaded.search(queries[1], 5)[1], ivf.search(queries[1], 5)[1])
    grown = ivf.with_added(vectors[:3])
    assert grown.kind == "ivf" and grown.size == len(vectors) + 3 and ivf.size == len(vectors)
    assert np.allclose(grown.matrix()[-3:], vectors[:3])


def test_auto_storage_is_exact_while_small_and_8_bit_codes_once_ivf(engine, tmp_path):
    vectors = engine.index.chunk_vectors.matrix()
    small = DenseIndex.build(vectors, approximate_threshold=len(vectors), storage="auto")
    large = DenseIndex.build(vectors, approximate_threshold=10, ivf=IvfParams(1.0, 12), storage="auto")
    assert (small.kind, small.storage, large.kind, large.storage) == ("flat", "float32", "ivf", "sq8")
    assert np.array_equal(small.matrix(), vectors)
    assert np.abs(large.rows([0, 5]) - vectors[[0, 5]]).max() < 0.01  # 8-bit codes: rows move a little
    half = DenseIndex.build(vectors, approximate_threshold=len(vectors), storage="float16")
    query = engine.embedder.embed(["How many Chinese live in Japan?"])[0]
    assert list(half.search(query, 5)[1]) == list(small.search(query, 5)[1])
    large.save(tmp_path / "sq8.faiss")
    kept = DenseIndex.load(tmp_path / "sq8.faiss").without_rows(np.arange(len(vectors)) != 0, 10, IvfParams(1.0, 12))
    assert (kept.storage, kept.size) == ("sq8", len(vectors) - 1)


def _mapped_ivf(engine, tmp_path):
    vectors = engine.index.chunk_vectors.matrix()
    DenseIndex.build(vectors, approximate_threshold=10, ivf=IvfParams(1.0, 12), storage="sq8").save(tmp_path / "a.faiss")
    return vectors, DenseIndex.load(tmp_path / "a.faiss"), DenseIndex.load(tmp_path / "a.faiss", mapped=True)


def test_a_mapped_ivf_index_answers_as_the_one_read_into_memory(engine, tmp_path):
    vectors, read, mapped = _mapped_ivf(engine, tmp_path)
    assert mapped.mapped and not read.mapped and (mapped.kind, mapped.storage) == ("ivf", "sq8")
    # FAISS's per-search prefetch threads made a mapped search 2.7x a read one: they must stay off
    assert faiss.downcast_InvertedLists(mapped._ivf.invlists).prefetch_nthread == 0
    queries = engine.embedder.embed(["How many Chinese live in Japan?", "Tokyo flat prices"])
    for query in queries:
        assert [a.tolist() for a in mapped.search(query, 5)] == [a.tolist() for a in read.search(query, 5)]
    assert np.array_equal(mapped.rows([0, 7]), read.rows([0, 7]))
    exact = DenseIndex.build(vectors, approximate_threshold=len(vectors))
    assert not _saved(exact, tmp_path / "e.faiss").mapped  # an exact index is always read


def _saved(index: DenseIndex, path) -> DenseIndex:
    index.save(path)
    return DenseIndex.load(path, mapped=True)


def test_rows_added_to_a_mapped_index_are_found_and_saved_with_it(engine, tmp_path):
    """FAISS aborts the process on a write to mapped lists: added rows go to a tail beside the base."""
    vectors, read, mapped = _mapped_ivf(engine, tmp_path)
    new = vectors[[3, 9]] * -1  # unlike any stored row: found only if the tail is searched
    grown = mapped.with_added(new).with_added(new[:1])
    assert (grown.size, mapped.size) == (len(vectors) + 3, len(vectors))
    scores, rows = grown.search(new[0], 3)
    assert set(rows[:2].tolist()) == {len(vectors), len(vectors) + 2} and scores[1] > 0.999  # the same row twice
    allowed = np.array([0, 1, len(vectors) + 1])  # a filter across base and tail
    assert set(grown.search(new[1], 3, allowed)[1].tolist()) == {0, 1, len(vectors) + 1}
    assert np.allclose(grown.rows([len(vectors) + 1, 0]), [new[1], read.rows([0])[0]], atol=1e-6)
    (tmp_path / "a.faiss").unlink()  # the build it was mapped from is gone (a later write removed it)
    reopened = _saved(grown, tmp_path / "b.faiss")
    assert reopened.size == len(vectors) + 3 and reopened.search(new[0], 1)[1][0] in (len(vectors), len(vectors) + 2)
    tail = [len(vectors), len(vectors) + 1, len(vectors) + 2]  # folded in as 8-bit codes, as a write to a read one
    assert np.array_equal(reopened.rows(tail), read.with_added(new).with_added(new[:1]).rows(tail))
    assert _saved(mapped, tmp_path / "c.faiss").size == len(vectors)
