"""The web page: `/` (ask, check a quote) and `/read/{doc_id}` (an article with a cited span), plus its
static files at `/static`. Only files are served here; the page talks to the JSON API like any client."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from service.api.deps import EngineDep
from service.api.security import PAGE_CSP
from service.request_errors import DocumentNotFoundError
from service.web import STATIC_DIR

# The browser itself refuses anything from another origin, so the page provably works offline. Any
# other HTML response (e.g. /static/index.html) gets the same policy from service/api/security.py.
HEADERS = {"Content-Security-Policy": PAGE_CSP}

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=HEADERS)


@router.get("/read/{doc_id}", response_model=None)
def read(doc_id: str, engine: EngineDep) -> FileResponse | HTMLResponse:
    """An unknown id is a real 404, as a page a reader of a broken shared link can act on."""
    try:
        engine.document(doc_id)
    except DocumentNotFoundError:
        return HTMLResponse(NOT_FOUND.format(doc_id=escape(doc_id)), status_code=404, headers=HEADERS)
    return FileResponse(STATIC_DIR / "read.html", headers=HEADERS)


NOT_FOUND = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>No such article — Run-ri Q&amp;A</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/app.css">
</head>
<body>
  <header class="site"><div class="wrap"><p class="brand"><a href="/">Run-ri Q&amp;A</a></p></div></header>
  <main id="main" class="wrap">
    <h1>No such article</h1>
    <p class="error">There is no article with the id <code>{doc_id}</code>. The link may be mistyped, or the article
    was removed.</p>
    <p><a href="/">Ask the articles or check a quote</a>: the home page lists every article.</p>
  </main>
</body>
</html>
"""


def install_pages(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
