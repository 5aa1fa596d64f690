"""Above the size threshold the dense index is IVF: same answers as exact search here, filters work,
incremental adds and removals keep it IVF, and it survives a save and load."""

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
