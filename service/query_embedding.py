"""Query-time embedding: one question at a time, batched with whatever else arrives meanwhile, and cached.
The model itself is loaded by index/embed.py, the same one that built the index."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from index.embed import Embedder


class _Pending:
    __slots__ = ("text", "vector", "error", "lead", "done")

    def __init__(self, text: str) -> None:
        self.text, self.vector, self.error, self.lead = text, None, None, False
        self.done = threading.Event()


class MicroBatcher:
    """Concurrent single queries share one forward pass (8 questions in one batch cost ~5.7 ms each
    instead of ~10 ms alone). No timer: a query arriving while a lane is free runs at once; queries
    arriving while every lane runs a forward pass wait and then go together as the next batch, led by
    the first of them. So a lone query pays nothing and a busy server batches by itself. `lanes`
    forward passes may run at once (torch releases the GIL), one per core with one torch thread each."""

    def __init__(self, embedder: Embedder, max_batch: int = 16, lanes: int = 1) -> None:
        self._embedder = embedder
        self._max_batch = max_batch
        self._lanes = lanes
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._running = 0

    def embed_one(self, text: str) -> np.ndarray:
        me = _Pending(text)
        with self._lock:
            me.lead = self._running < self._lanes
            if me.lead:
                self._running += 1
            else:
                self._queue.append(me)
        if not me.lead:
            me.done.wait()  # woken with our vector, or to lead the next batch
        if me.lead:
            self._lead(me)
        if me.error is not None:
            raise me.error
        return me.vector

    def _lead(self, me: _Pending) -> None:
        """Run one batch headed by `me`, then hand this lane to the first query still waiting."""
        with self._lock:
            batch = [me] + self._queue[: self._max_batch - 1]
            del self._queue[: self._max_batch - 1]
        try:
            vectors = self._embedder.embed([p.text for p in batch])
            for pending, vector in zip(batch, vectors):
                pending.vector = vector
        except Exception as exc:  # every waiter learns of it, none hangs
            for pending in batch:
                pending.error = exc
        with self._lock:
            if self._queue:
                following = self._queue.pop(0)
                following.lead = True
                following.done.set()
            else:
                self._running -= 1
        for pending in batch[1:]:
            pending.done.set()


class CachedQueryEmbedder:
    """An LRU cache in front of an embedder for single queries: a repeated question (a retry, the
    eval's several modes, a popular query) skips the model entirely."""

    def __init__(self, embedder: Embedder, size: int = 1024, max_batch: int = 16, lanes: int = 1) -> None:
        self._embedder = embedder
        self._batcher = MicroBatcher(embedder, max_batch, lanes)
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def embed_many(self, texts: list[str]) -> list[np.ndarray]:
        """Several texts of one request (a pasted paragraph's sentences): the ones not cached go
        through the model together, in one forward pass."""
        with self._lock:
            cached = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in cached))
        if missing:
            vectors = self._embedder.embed(missing)
            with self._lock:
                for text, vector in zip(missing, vectors):
                    vector.setflags(write=False)
                    cached[text] = self._cache[text] = vector
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return [cached[t] for t in texts]

    def embed_query_with(self, text: str, extra: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The query's vector (cached as by `embed_query`) and uncached vectors of `extra` texts, from
        one forward pass: a batch costs far less than its texts one by one."""
        if not extra:
            return self.embed_query(text), np.zeros((0, self._embedder.dimension), np.float32)
        with self._lock:
            cached = self._cache.get(text)
        if cached is not None:
            return self.embed_query(text), self._embedder.embed(extra)
        vectors = self._embedder.embed([text] + extra)
        vector = np.array(vectors[0])
        vector.setflags(write=False)
        self._remember(text, vector)
        return vector, vectors[1:]

    def _remember(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
                return vector
        vector = self._batcher.embed_one(text)
        vector.setflags(write=False)
        self._remember(text, vector)
        return vector
