"""Time spent in each pipeline stage, as a Prometheus histogram (served at /metrics by the HTTP layer).

Module-level, like prometheus-client's default registry: one process, one set of stage timings,
whichever shell (HTTP, CLI, eval) drives the engine."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Histogram

STAGE_SECONDS = Histogram(
    "runri_stage_duration_seconds", "Time in one pipeline stage of one request.", ["stage"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
STAGES = ("embed", "dense", "lexical", "multilingual", "fuse", "passages", "answer", "corroborate", "cite")
_CHILDREN = {stage: STAGE_SECONDS.labels(stage) for stage in STAGES}


@contextmanager
def timed(stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        _CHILDREN[stage].observe(time.perf_counter() - started)
