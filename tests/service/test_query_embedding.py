"""Concurrent queries share one forward pass and each gets exactly its own vector."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from service.query_embedding import MicroBatcher

QUESTIONS = ["How many Chinese live in Japan?", "What is Run-ri?", "Who is Masutomo?", "Why Tokyo?",
             "What does 潤日 mean?", "How much did the flat cost?", "What is the ESDP?", "Where is Bunkyo?"]


class SlowFirstCall:
    """The real model; its first call waits until every other query has queued behind it."""

    def __init__(self, inner, queued: threading.Event) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.queued, self.batches = queued, []

    def embed(self, texts):
        if not self.batches:
            self.queued.wait(timeout=10)
        self.batches.append(list(texts))
        return self.inner.embed(texts)


def _embed_concurrently(batcher, texts):
    results, threads = {}, []
    for text in texts:
        threads.append(threading.Thread(target=lambda t=text: results.__setitem__(t, batcher.embed_one(t))))
        threads[-1].start()
        time.sleep(0.01)  # the first thread takes the model before the others arrive
    return results, threads


def test_queries_arriving_during_a_forward_pass_go_together_as_one_batch(engine):
    queued = threading.Event()
    model = SlowFirstCall(engine.embedder, queued)
    batcher = MicroBatcher(model, max_batch=16)
    results, threads = _embed_concurrently(batcher, QUESTIONS)
    time.sleep(0.05)  # let the last thread reach the queue before the first forward pass ends
    queued.set()
    for thread in threads:
        thread.join(timeout=30)
    assert model.batches == [QUESTIONS[:1], QUESTIONS[1:]]
    alone = engine.embedder.embed(QUESTIONS)
    for text, expected in zip(QUESTIONS, alone):
        assert np.allclose(results[text], expected, atol=1e-4)


def test_a_lone_query_gets_its_own_vector(engine):
    batcher = MicroBatcher(engine.embedder)
    assert np.allclose(batcher.embed_one("What is Run-ri?"), engine.embedder.embed(["What is Run-ri?"])[0],
                       atol=1e-5)


def test_a_model_error_reaches_every_waiting_query_and_nothing_hangs():
    class Broken:
        name, dimension = "broken", 4

        def embed(self, texts):
            time.sleep(0.05)
            raise RuntimeError("model failed")

    batcher = MicroBatcher(Broken())
    errors = []

    def call():
        with pytest.raises(RuntimeError, match="model failed"):
            batcher.embed_one("q")
        errors.append(1)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(errors) == 4
