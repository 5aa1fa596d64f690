"""The web page: `/` (ask, check a quote) and `/read/{doc_id}` (an article with a cited span), plus its
static files at `/static`. Only files are served here; the page talks to the JSON API like any client."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from service.api.deps import EngineDep
from service.api.security import PAGE_CSP
from service.web import STATIC_DIR

# The browser itself refuses anything from another origin, so the page provably works offline. Any
# other HTML response (e.g. /static/index.html) gets the same policy from service/api/security.py.
HEADERS = {"Content-Security-Policy": PAGE_CSP}

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=HEADERS)


@router.get("/read/{doc_id}")
def read(doc_id: str, engine: EngineDep) -> FileResponse:
    """An unknown id is a real 404 (the usual JSON error), so a broken shared link says so."""
    engine.document(doc_id)
    return FileResponse(STATIC_DIR / "read.html", headers=HEADERS)


def install_pages(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
