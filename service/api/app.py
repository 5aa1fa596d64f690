"""App factory. The index and model load once, in the lifespan, in a background thread, so /healthz
answers at once and /readyz says 503 until the engine is ready."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from index.errors import RunriError
from service.api.docs import install_offline_docs
from service.api.error_handlers import install_error_handlers
from service.api.limits import BodyLimit
from service.api.observability import install_observability
from service.api.pages import install_pages
from service.api.routes import router
from service.api.security import SecurityHeaders, redact_access_log
from service.api.workers import WorkPool
from service.engine import Engine
from service.ingest import Ingestor
from service.settings import Settings, get_settings

log = logging.getLogger("runri.api")


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """`engine` lets a caller that already holds one (tests, benchmarks) skip loading."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await _clean_up(app)
        loader = None
        if app.state.engine is None:
            loader = asyncio.create_task(_load(app, settings))
        else:
            _freeze_what_is_loaded()
        yield
        if loader is not None and not loader.done():
            loader.cancel()
        app.state.cpu_pool.close()

    app = _App(
        title="runri-qa",
        version="0.1.0",
        summary="Questions and quotes over news articles on Chinese migration to Japan, with exact citations.",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # served by install_offline_docs, without a CDN
    )
    app.state.engine = engine
    app.state.load_error = None
    app.state.settings = settings
    app.state.cpu_pool = WorkPool(settings.cpu_workers, settings.cpu_queue)
    app.state.ingestor = Ingestor(settings, current=lambda: app.state.engine,
                                  publish=lambda fresh: setattr(app.state, "engine", fresh))
    app.add_middleware(BodyLimit, settings=settings)
    redact_access_log()
    install_error_handlers(app)
    app.include_router(router)
    install_pages(app)
    install_offline_docs(app)
    install_observability(app)
    return app


class _App(FastAPI):
    def build_middleware_stack(self):
        """Security headers outside everything, Starlette's 500 handler included, so every response has them."""
        return SecurityHeaders(super().build_middleware_stack())


async def _clean_up(app: FastAPI) -> None:
    """Temporary builds a crash or a full disk left behind would keep the disk full: remove them."""
    try:
        removed = await asyncio.to_thread(app.state.ingestor.remove_stale_builds)
    except OSError as exc:  # a read-only data dir: nothing to clean, and reads still work
        log.warning("could not look for stale builds: %s", exc)
        return
    if removed:
        log.info("removed stale builds left by an earlier write: %s", ", ".join(removed))


def _freeze_what_is_loaded() -> None:
    """Keep the model, libraries and index, loaded once, out of the cyclic garbage collector: a full
    collection walks every tracked object (~550,000 once torch and transformers are in) and stops
    every thread for ~230 ms, which made the slowest requests (p99.9 of /healthz while /cite
    allocates) 200-300 ms. Frozen objects are still freed by reference counting."""
    gc.collect()
    gc.freeze()


async def _load(app: FastAPI, settings: Settings) -> None:
    try:
        app.state.engine = await asyncio.to_thread(Engine.open, settings)
        log.info("index loaded: %s", app.state.engine.index.manifest.counts)
        _freeze_what_is_loaded()
    except RunriError as exc:
        app.state.load_error = exc.message
        log.error("cannot serve: %s", exc.message)
    except Exception as exc:  # a load failure must show in /readyz, not vanish in a task
        app.state.load_error = f"loading failed: {exc}"
        log.exception("loading failed")
