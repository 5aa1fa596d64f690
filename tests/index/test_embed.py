"""The fast single-batch path (ONNX Runtime by default) gives the vectors sentence-transformers' own
encode() gives, so switching runtimes never moves an eval number."""

import numpy as np


def test_the_direct_forward_pass_matches_encode(engine):
    model = engine.embedder
    texts = ["What is Run-ri?", "潤日", "How many Chinese nationals lived in Japan at the end of 2024?"]
    expected = model._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    got = model.embed(texts)
    assert got.dtype == np.float32 and got.shape == (3, model.dimension)
    assert np.allclose(got, expected, atol=1e-6)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_queries_run_on_onnx_runtime_by_default(engine, settings):
    assert settings.model_runtime == "onnxruntime" and engine.embedder.runtime == "onnxruntime"
    assert list(settings.onnx_cache_dir.glob("transformer-*.onnx"))


def test_build_batches_run_on_onnx_and_match_encode(engine):
    """Many texts (a build) go through ONNX Runtime in length-sorted batches, in the input's order."""
    model = engine.embedder
    texts = [f"Sentence {i} about {'Japan ' * (i % 7)}and migration." for i in range(80)] + ["潤日"]
    expected = model._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    got = model.embed(texts)
    assert len(texts) > model.batch_size and got.shape == (len(texts), model.dimension)
    assert np.allclose(got, expected, atol=1e-5)


def test_the_export_traces_plain_attention_and_gives_torch_its_own_back(engine):
    """The ONNX file is traced with eager attention (faster under ONNX Runtime); the torch model that
    answers when ONNX is off keeps the attention it was loaded with."""
    from index.onnx_runtime import EXPORT_ATTENTION, _attention

    transformer = engine.embedder._model[0].auto_model
    before = transformer.config._attn_implementation
    with _attention(transformer, EXPORT_ATTENTION):
        assert transformer.config._attn_implementation == "eager"
    assert transformer.config._attn_implementation == before


def test_onnx_tokenizes_exactly_as_sentence_transformers(engine):
    """Serving tokenizes with `tokenizers` and the model's tokenizer.json, not sentence-transformers:
    the same ids, masks and truncation, whitespace stripped, padded to the longest."""
    model = engine.embedder
    texts = ["  What is Run-ri?  ", "潤日 ルン 地下銀行", "word " * 400, "", "Masutomo’s “run” — to Japan…"]
    expected = model._model.preprocess(texts)
    got = model._onnx.features(texts)
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        assert got[name].tolist() == expected[name].tolist(), name
    assert got["input_ids"].shape[1] == model.max_tokens == 256  # the long text is cut where the model cuts


def test_a_process_with_the_export_cached_embeds_without_torch(engine, settings):
    """What a served process pays for its model: ONNX Runtime and the tokenizer, not torch and
    sentence-transformers (about 450 MB and 5 s)."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from index.embed import load_embedder; "
            f"e = load_embedder(Path({str(settings.resolved_model_path())!r}), onnx_dir=Path({str(settings.onnx_dir)!r})); "
            "v = e.embed(['What is Run-ri?']); "
            "print(e.runtime, v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["onnxruntime", "(1,", "384)", "False", "False"]


def test_only_the_pipeline_the_onnx_runner_reproduces_is_run_by_it(settings, tmp_path):
    """Mean pooling then normalisation, read from the model's files: another pooling or an extra
    module (a Dense layer) keeps torch, whose output the runner would not reproduce."""
    import json
    import shutil

    from index.onnx_runtime import supports_files

    model = settings.resolved_model_path()
    assert supports_files(model)
    copy = tmp_path / "model"
    shutil.copytree(model, copy, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    assert not supports_files(copy)
    pooling.write_text(json.dumps(config))
    modules = json.loads((copy / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"})
    (copy / "modules.json").write_text(json.dumps(modules))
    assert not supports_files(copy)


def test_bfloat16_build_batches_keep_the_float32_vectors_to_five_nines(engine, settings):
    """RUNRI_BUILD_COMPUTE=bfloat16 computes a build's batches with bfloat16 matrix products (AMX):
    the rows come back in the input's order, normalised, within cosine 0.9999 of ONNX float32, and
    not bit-identical (the bfloat16 path really ran); the same on one build thread or two."""
    from index.embed import SentenceTransformerEmbedder

    fast = SentenceTransformerEmbedder(settings.resolved_model_path(), batch_size=8, onnx_dir=settings.onnx_dir,
                                       compute="bfloat16")
    texts = [f"Sentence {i} about {'Osaka ' * (i % 5)}and the Run-ri." for i in range(20)] + ["潤日"]
    assert fast.runtime == "torch"  # no ONNX session is opened (or exported) for an embedder that never uses it
    got, expected = fast.embed(texts), engine.embedder.embed(texts)
    assert got.shape == expected.shape and np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * expected).sum(axis=1).min() > 0.9999
    assert not np.array_equal(got, expected)
    # Two build threads, one batch each: the very same vectors as one thread, so a build does not read
    # differently on a machine with more cores.
    two = SentenceTransformerEmbedder(settings.resolved_model_path(), batch_size=8, onnx_dir=settings.onnx_dir,
                                      compute="bfloat16", batch_threads=2)
    assert np.array_equal(two.embed(texts), got)


def test_bfloat16_is_refused_for_an_int8_model(settings):
    import pytest

    from index.embed import SentenceTransformerEmbedder

    with pytest.raises(ValueError, match="bfloat16"):
        SentenceTransformerEmbedder(settings.resolved_model_path(), precision="int8", compute="bfloat16")


def test_native_bfloat16_is_read_from_the_cpu_flags(tmp_path):
    from index.embed import native_bfloat16

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f amx_bf16 amx_tile\n")
    assert native_bfloat16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n")
    assert native_bfloat16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n")
    assert not native_bfloat16(cpuinfo)
    assert not native_bfloat16(tmp_path / "missing")
