"""A bounded pool for CPU-heavy requests (/cite), so they never run on the event loop and never queue
without limit.

`RUNRI_CPU_WORKERS` threads (default: the usable cores) run them; up to `RUNRI_CPU_QUEUE` more may
wait; anything beyond is refused at once with 503 and a Retry-After estimated from recent run times,
instead of waiting behind work the server cannot finish in time. Light requests (/healthz, /search,
/ask, documents) keep their own threads, so a burst of heavy ones cannot take them all. A request
whose client went away still holds its slot until its work ends: the slot counts the CPU, not the
client.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from service.request_errors import ServiceBusyError

T = TypeVar("T")


class WorkPool:
    def __init__(self, workers: int, queue: int, name: str = "cpu") -> None:
        self.workers, self.queue, self.name = workers, queue, name
        self._executor: ThreadPoolExecutor | None = None  # started at the first request, again after close()
        self._lock = threading.Lock()
        self._admitted = 0  # running + waiting
        self._mean_s = 1.0  # running mean of a task's duration, for Retry-After

    @property
    def admitted(self) -> int:
        return self._admitted

    async def run(self, fn: Callable[..., T], *args) -> T:
        """`fn(*args)` on a pool thread, or ServiceBusyError when the pool and its queue are full."""
        with self._lock:
            if self._admitted >= self.workers + self.queue:
                raise ServiceBusyError(
                    f"the server is busy with {self._admitted} {self.name}-heavy requests; retry in "
                    f"{self.retry_after()} s (RUNRI_CPU_WORKERS / RUNRI_CPU_QUEUE set the capacity)",
                    retry_after=self.retry_after())
            self._admitted += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"runri-{self.name}")
            executor = self._executor
        future = executor.submit(self._timed, fn, *args)
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the queue ahead, drained by every worker."""
        return max(1, math.ceil(self._mean_s * max(1, self._admitted - self.workers + 1) / self.workers))

    def _timed(self, fn: Callable[..., T], *args) -> T:
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self._mean_s = 0.8 * self._mean_s + 0.2 * (time.perf_counter() - started)

    def _release(self, _: Future) -> None:
        with self._lock:
            self._admitted -= 1

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
