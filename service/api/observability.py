"""What an operator watches: Prometheus metrics at /metrics, and one JSON log line per request.

- `runri_http_requests_total{method,route,status}` and `runri_http_request_duration_seconds{method,route}`,
  by route template (`/documents/{doc_id}`), so the label set stays small;
- `runri_stage_duration_seconds{stage}` from the engine (service/metrics.py);
- the loaded index (`runri_ready`, `runri_index_items{kind}`, `runri_index_bytes`) and the query model
  (`runri_model_info{name,runtime,precision,dimension}`), read when scraped.

Every request gets an id (the client's `X-Request-ID` when it is sane, else a new one), returned in the
`X-Request-ID` header, written in its log line and in the body of a 500.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from starlette.datastructures import MutableHeaders

ACCESS_LOG = logging.getLogger("runri.access")
REQUESTS = Counter("runri_http_requests_total", "HTTP requests answered.", ["method", "route", "status"])
LATENCY = Histogram("runri_http_request_duration_seconds", "Time to answer an HTTP request.", ["method", "route"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
MOUNTS = ("/static-offline-docs", "/static")  # file trees served by the app (FastAPIOffline, the page)
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestObserver:
    """Pure ASGI middleware, outermost: it sees every response, the 413s of the body limit included."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # unless a response starts: an exception escaping the app is a 500

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            ACCESS_LOG.info(json.dumps({"request_id": request_id, "method": scope["method"], "path": scope["path"],
                                        "route": route, "status": status, "ms": round(elapsed * 1000, 2)}))


def _route(scope) -> str:
    """The route template that served the request (a mount's prefix for its files); unmatched paths share
    one label, so no client can grow the label set."""
    path = getattr(scope.get("route"), "path", None)
    if path:
        return path
    return next((mount for mount in MOUNTS if scope["path"].startswith(mount + "/")), "unmatched")


class IndexCollector:
    """The loaded index and model, read at scrape time from the app's current engine."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self):
        engine = self.app.state.engine
        yield GaugeMetricFamily("runri_ready", "1 when the index and the model are loaded.", value=engine is not None)
        if engine is None:
            return
        index = engine.index
        items = GaugeMetricFamily("runri_index_items", "Items in the loaded index.", labels=["kind"])
        for kind, count in (("documents", len(index.documents)), ("chunks", len(index.chunks)),
                            ("sentences", len(index.sentences))):
            items.add_metric([kind], count)
        yield items
        yield GaugeMetricFamily("runri_index_bytes", "Size of the index files on disk.",
                                value=sum(index.manifest.files.values()))
        embedder = engine.embedder
        yield InfoMetricFamily("runri_model", "The model that embeds queries.", value={
            "name": str(embedder.name), "runtime": str(getattr(embedder, "runtime", "unknown")),
            "precision": str(getattr(embedder, "precision", "unknown")), "dimension": str(embedder.dimension)})


def install_observability(app: FastAPI) -> None:
    """Add the middleware (call last, so it is outermost), the /metrics route and the access log."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(IndexCollector(app))

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Request counts and latencies per route, time per pipeline stage, index size, model runtime."""
        return Response(generate_latest(REGISTRY) + generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestObserver)
    if not ACCESS_LOG.handlers:  # one JSON object per line on stderr, whatever the root logger does
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        ACCESS_LOG.addHandler(handler)
        ACCESS_LOG.setLevel(logging.INFO)
        ACCESS_LOG.propagate = False


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when it writes (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def request_id_of(request: Request) -> str:
    """This request's id (set by RequestObserver), or a new one when it did not run."""
    return getattr(request.state, "request_id", None) or uuid.uuid4().hex[:16]
