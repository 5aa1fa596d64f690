"""Writes are jobs, run one at a time by a single background writer at a lower CPU priority.

A write is accepted at once (after the checks that need no index work: token, fields, bounds, conflicts)
and queued. The caller may wait a little for it (a small write is done in well under a second) or
hand back its id; `GET /jobs/{id}` then says queued / running (with progress) / done / failed.

The writer thread lowers its own scheduling priority (`RUNRI_WRITE_NICE`, Linux: niceness is per
thread), so its embedding and saving take CPU that readers leave: with both competing for a core,
the kernel gives readers about ten times its share at nice 10. Only that thread is affected.

Jobs live in memory: a job is lost when the server restarts before it is done (its id is then
unknown; `GET /documents/{id}` says whether the document made it). Acknowledged (`done`) writes
are durable, as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from service.request_errors import ServiceBusyError

log = logging.getLogger("runri.jobs")


class JobStatus(str, Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


@dataclass
class Progress:
    stage: str = "queued"  # queued, embedding, saving, publishing, done
    done: int = 0
    total: int = 0


@dataclass
class Job:
    id: str
    kind: str  # "add" | "remove"
    doc_id: str
    texts: int  # what it has to embed (chunks + sentences; 0 for a removal): its expected cost
    sha256: str | None = None
    status: JobStatus = JobStatus.queued
    progress: Progress = field(default_factory=Progress)
    result: object | None = None  # AddResult / RemoveResult once done
    error: Exception | None = None  # the typed error once failed
    created_at: str = field(default_factory=lambda: _now())
    started_at: str | None = None
    finished_at: str | None = None
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)
    _callbacks: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _callbacks_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def on_finished(self, callback: Callable[[], None]) -> None:
        """`callback()` once the job is done or failed (at once if it is already)."""
        with self._callbacks_lock:
            if not self.finished:
                self._callbacks.append(callback)
                return
        callback()

    async def settled(self, timeout: float) -> bool:
        """Wait, without a thread, up to `timeout` seconds for the job to finish; whether it did."""
        loop = asyncio.get_running_loop()
        finished = loop.create_future()
        self.on_finished(lambda: loop.call_soon_threadsafe(lambda: finished.done() or finished.set_result(None)))
        try:
            await asyncio.wait_for(finished, timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def _finish(self) -> None:
        with self._callbacks_lock:
            self._finished.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def report(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        """A new stage; counts not given stay as they were (saving keeps what embedding reached)."""
        old = self.progress
        self.progress = Progress(stage, old.done if done is None else done, old.total if total is None else total)


Work = Callable[[Job], object]


class WriteQueue:
    """One writer thread, jobs in submission order, at most `capacity` waiting (503 beyond)."""

    def __init__(self, nice: int = 10, capacity: int = 64, keep: int = 1000) -> None:
        self.nice, self.capacity, self.keep = nice, capacity, keep
        self._queue: queue.Queue[tuple[Job, Work]] = queue.Queue()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._texts_per_s = 50.0  # embedding rate, learned from finished jobs; a cautious first guess

    def submit(self, kind: str, doc_id: str, texts: int, work: Work, sha256: str | None = None) -> Job:
        with self._lock:
            waiting = sum(not j.finished for j in self._jobs.values())
            if waiting < self.capacity:
                job = Job(uuid.uuid4().hex, kind, doc_id, texts, sha256)
                self._jobs[job.id] = job
                self._forget_old()
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="runri-writer", daemon=True)
                    self._thread.start()
        if waiting >= self.capacity:
            raise ServiceBusyError(f"{waiting} writes are waiting; retry later (RUNRI_WRITE_QUEUE sets the limit)",
                                   retry_after=max(1, round(self.seconds_ahead())))
        self._queue.put((job, work))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def pending(self) -> list[Job]:
        """Queued and running jobs, oldest first."""
        with self._lock:
            return [j for j in self._jobs.values() if not j.finished]

    def seconds_ahead(self, texts: int = 0) -> float:
        """Expected time until a job of `texts` texts submitted now is done."""
        ahead = sum(j.texts - (j.progress.done if j.status is JobStatus.running else 0) for j in self.pending())
        return (ahead + texts) / self._texts_per_s + 0.2 * (len(self.pending()) + 1)

    def wait(self, job: Job, timeout: float) -> bool:
        return job._finished.wait(timeout)

    def _run(self) -> None:
        self._lower_priority()
        while True:
            job, work = self._queue.get()
            job.status, job.started_at = JobStatus.running, _now()
            started = time.perf_counter()
            try:
                job.result = work(job)
                job.status = JobStatus.done
                job.report("done")
                if job.texts >= 32:  # long enough to measure the embedding rate
                    self._texts_per_s = 0.5 * self._texts_per_s + 0.5 * job.texts / (time.perf_counter() - started)
            except Exception as exc:  # the job fails, the writer goes on with the next one
                job.error, job.status = exc, JobStatus.failed
                if not hasattr(exc, "message"):
                    log.exception("write job %s (%s %s) failed", job.id, job.kind, job.doc_id)
            finally:
                job.finished_at = _now()
                job._finish()

    def _lower_priority(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, os.getpriority(os.PRIO_PROCESS, 0)
                                                                          + self.nice))
        except (AttributeError, OSError) as exc:  # not Linux, or not allowed: writes still work
            log.warning("could not lower the writer's priority: %s", exc)

    def _forget_old(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.finished]
        for job_id in finished[: max(0, len(self._jobs) - self.keep)]:
            del self._jobs[job_id]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
