"""A rebuild embeds only the texts that changed: embeddings are cached by text hash per model."""

import numpy as np

from index.build import BuildParams, build_index
from index.chunk import ChunkerSettings
from index.corpus import Document, sha256_text
from index.embed_cache import CachedEmbedder


class HashEmbedder:
    """Deterministic stand-in: a unit vector from the text's bytes; records what it was asked."""

    name, dimension = "hash", 8

    def __init__(self) -> None:
        self.calls: list[str] = []

    def embed(self, texts):
        self.calls += texts
        rows = [np.frombuffer((t.encode() * 8)[:32].ljust(32, b"\0"), dtype=np.uint8)[:8].astype(np.float32) + 1
                for t in texts]
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), 8)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _doc(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, text=text, sha256=sha256_text(text))


def test_a_rebuild_embeds_only_changed_texts_and_each_text_once(tmp_path, settings):
    params = BuildParams(ChunkerSettings(600, 100), approximate_threshold=1000)
    docs = {"a": _doc("a", "Tokyo grew. Osaka grew too.\n\nNagoya did not."), "b": _doc("b", "Osaka grew too.")}
    inner = HashEmbedder()
    first = CachedEmbedder(inner, tmp_path / "cache")
    index = build_index(docs, first, settings.resolved_model_path(), params)
    first.save()
    assert len(inner.calls) == len(set(inner.calls))  # "Osaka grew too." is a sentence of a and all of b: once

    docs["b"] = _doc("b", "Osaka grew too. Kobe shrank.")
    inner.calls.clear()
    second = CachedEmbedder(inner, tmp_path / "cache")
    rebuilt = build_index(docs, second, settings.resolved_model_path(), params)
    second.save()
    assert sorted(inner.calls) == ["Kobe shrank.", "Osaka grew too. Kobe shrank."]
    same = [c.id for c in index.chunks if c.doc_id == "a"]
    assert np.array_equal(rebuilt.chunk_vectors.rows(same), index.chunk_vectors.rows(same))
    assert rebuilt.chunk_vectors.rows([len(rebuilt.chunks) - 1]) @ HashEmbedder().embed(
        ["Osaka grew too. Kobe shrank."])[0] > 0.999


def test_a_bfloat16_build_is_recorded_and_a_float32_build_never_reads_its_vectors(small_seeds, tmp_path, engine):
    """RUNRI_BUILD_COMPUTE=bfloat16 is written in the manifest, and its embeddings are cached apart:
    a float32 build over the same data folder afterwards embeds afresh with ONNX Runtime. The bfloat16
    build leaves the float32 ONNX export that queries run on, so serving never loads torch to make it."""
    from index.onnx_runtime import export_path
    from service.index_lifecycle import build
    from service.settings import Settings

    where = {"data_dir": tmp_path / "data", "seeds_dir": small_seeds}
    fast_settings = Settings(**where, build_compute="bfloat16", onnx_cache_dir=tmp_path / "onnx")
    fast, built = build(fast_settings, force=True)
    assert export_path(fast_settings.resolved_model_path(), tmp_path / "onnx").exists()
    exact, _ = build(Settings(**where, build_compute="float32"), force=True)
    assert built and fast.manifest.build_compute == "bfloat16" and exact.manifest.build_compute == "float32"
    rows = list(range(len(exact.chunks)))
    onnx = engine.embedder.embed([c.text for c in exact.chunks])
    assert (exact.chunk_vectors.rows(rows) * onnx).sum(axis=1).min() > 0.999999
    assert (fast.chunk_vectors.rows(rows) * onnx).sum(axis=1).min() < 0.999999
    assert sorted(p.name.split("-", 1)[1] for p in (tmp_path / "data" / "embed-cache").iterdir()) == [
        "float32", "float32-bfloat16"]
