"""Routes: parse the request, call the engine, return its typed result. No logic lives here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from service.api import writes
from service.api.deps import CpuPoolDep, EngineDep, FiltersDep, IngestorDep, LinkBaseDep, WriteAccess
from service.api.schemas import AskRequest, CiteRequest, DocumentFull, DocumentSummary, Health, JobView, Ready
from service.api.upload import OPENAPI_BODY, read_new_document
from service.models import (DOC_ID_PATTERN, MAX_K, AddResult, AskResult, CiteResult, Excerpt, RemoveResult,
                            RetrievalMode, SearchResult)
from service.request_errors import InvalidRequestError, JobNotFoundError

router = APIRouter()


@router.get("/healthz", response_model=Health, tags=["ops"])
def healthz() -> Health:
    """The process is alive (it may still be loading the index)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, tags=["ops"], responses={503: {"description": "Not ready"}})
def readyz(request: Request):
    """Ready when the index and model are loaded; 503 with the reason until then."""
    engine = request.app.state.engine
    if engine is None:
        reason = request.app.state.load_error or "loading the index"
        return JSONResponse(status_code=503, content={"error": "not_ready", "message": reason})
    return Ready.of(engine.index)


@router.get("/documents", response_model=list[DocumentSummary], tags=["documents"])
def list_documents(engine: EngineDep) -> list[DocumentSummary]:
    return [DocumentSummary.of(doc) for doc in engine.index.documents.values()]


@router.get("/documents/{doc_id}", response_model=DocumentFull, tags=["documents"],
            responses={404: {"description": "Unknown document id"}})
def get_document(doc_id: str, engine: EngineDep) -> DocumentFull:
    return DocumentFull.of(engine.document(doc_id))


@router.post("/documents", response_model=AddResult, status_code=201, tags=["documents"],
             dependencies=[WriteAccess], openapi_extra=OPENAPI_BODY,
             responses={200: {"model": AddResult, "description": "The same text is already indexed"},
                        202: {"model": JobView, "description": "Accepted as a job: GET /jobs/{job_id} says when "
                                                               "it is done"},
                        401: {"description": "Missing or wrong bearer token"},
                        403: {"description": "Writes disabled (no RUNRI_API_TOKEN)"},
                        409: {"description": "The id is taken by another text"},
                        413: {"description": "Over RUNRI_MAX_DOCUMENT_BYTES"},
                        415: {"description": "Neither JSON nor a multipart upload"},
                        422: {"description": "Invalid fields, empty or non-UTF-8 text, over "
                                             "RUNRI_MAX_DOCUMENT_SENTENCES"},
                        503: {"description": "Too many writes waiting (see Retry-After)"},
                        507: {"description": "No space left in RUNRI_DATA_DIR"}})
async def add_document(request: Request, ingestor: IngestorDep) -> JSONResponse:
    """Add an article (JSON, or a .txt/.md upload with the metadata as form fields). Only its text is
    embedded. A small article answers 201 once it is searchable; a large one answers 202 at once with
    a job to follow at GET /jobs/{job_id}. Identical text already indexed is reported (200), not added."""
    new = await read_new_document(request)
    return await writes.answer(await run_in_threadpool(ingestor.submit_add, new), ingestor, 201)


@router.delete("/documents/{doc_id}", response_model=RemoveResult, tags=["documents"],
               dependencies=[WriteAccess],
               responses={202: {"model": JobView, "description": "Accepted as a job behind other writes"},
                          401: {"description": "Missing or wrong bearer token"},
                          403: {"description": "Writes disabled (no RUNRI_API_TOKEN)"},
                          404: {"description": "Unknown document id"},
                          409: {"description": "A seed article, which cannot be removed"}})
async def remove_document(ingestor: IngestorDep,
                          doc_id: Annotated[str, Path(pattern=DOC_ID_PATTERN, max_length=100)]) -> JSONResponse:
    """Remove an added article's chunks and sentences from both indexes (202 when other writes are ahead)."""
    return await writes.answer(await run_in_threadpool(ingestor.submit_remove, doc_id), ingestor, 200)


@router.get("/jobs/{job_id}", response_model=JobView, tags=["documents"], dependencies=[WriteAccess],
            responses={401: {"description": "Missing or wrong bearer token"},
                       403: {"description": "Writes disabled (no RUNRI_API_TOKEN)"},
                       404: {"description": "Unknown job (jobs are kept in memory, the last 1,000)"}})
def get_job(job_id: str, ingestor: IngestorDep) -> JobView:
    """A write's progress: queued, running (stage and texts embedded), done (with its result) or failed
    (with the error it would have answered)."""
    job = ingestor.jobs.get(job_id)
    if job is None:
        raise JobNotFoundError(f"no job {job_id!r}: jobs live in memory (the last 1,000) and end with a "
                                    "restart; GET /documents/{id} says whether the document is indexed")
    return writes.view(job)


@router.get("/documents/{doc_id}/excerpt", response_model=Excerpt, tags=["documents"],
            responses={404: {"description": "Unknown document id"}, 422: {"description": "Bad offsets"}})
def get_excerpt(doc_id: str, engine: EngineDep, base: LinkBaseDep, start: Annotated[int, Query(ge=0)],
                end: Annotated[int, Query(ge=1)],
                context: Annotated[int, Query(ge=0, le=2000, description="Characters shown around it.")] = 200
                ) -> Excerpt:
    """The exact cited text with some context and the article's author, publication, title, date and
    URL: what the reader page's "Copy citation" copies."""
    return engine.excerpt(doc_id, start, end, context, link_base=base)


@router.get("/search", response_model=SearchResult, tags=["search"])
def search(
    engine: EngineDep,
    filters: FiltersDep,
    base: LinkBaseDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="What to look for.")],
    k: Annotated[int | None, Query(ge=1, le=MAX_K, description="How many passages (default: RUNRI_DEFAULT_K, 5).")
                 ] = None,
    mode: Annotated[RetrievalMode, Query(description="dense, lexical, multilingual or hybrid.")] = RetrievalMode.hybrid,
) -> SearchResult:
    """Top-k passages with exact offsets: `text == document.text[start:end]`."""
    return engine.search(_not_blank(q, "q"), k, mode, filters, link_base=base)


@router.post("/ask", response_model=AskResult, tags=["ask"],
             responses={422: {"description": "Invalid question, k, mode or filters"}})
def ask(request: AskRequest, engine: EngineDep, base: LinkBaseDep) -> AskResult:
    """An extractive answer with exact offsets, its supporting passages and the other articles that
    say the same, or `answer: null` with the reason when the articles do not answer it."""
    return engine.ask(request.question, request.k, request.mode, request.filters, link_base=base)


@router.post("/cite", response_model=CiteResult, tags=["cite"],
             responses={422: {"description": "Empty, non-string text, or text over 5,000 characters (never cut)"},
                        503: {"description": "Busy: every CPU worker and its queue taken (see Retry-After)"}})
async def cite(request: CiteRequest, engine: EngineDep, pool: CpuPoolDep, base: LinkBaseDep) -> JSONResponse:
    """Where a pasted quote or claim comes from: `exact` (ellipses may mark omissions, listed in
    `omissions`), `near` (reworded, with a word diff), `altered` (a figure or negation differs: see
    `material_changes`), `paraphrase` or `not_found`, with every occurrence at the article's own offsets;
    checked whole and, when it holds several sentences, sentence by sentence, within a time budget
    (`partial` says when it ran out)."""
    return await pool.run(_rendered, engine.cite, request.text, base)


def _rendered(work, *args) -> JSONResponse:
    """The result serialised on the pool's thread too: a long text's result is large, and rendering it
    on the event loop would hold up every other request."""
    return JSONResponse(work(*args).model_dump(mode="json"))


def _not_blank(value: str, field: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise InvalidRequestError(f"{field}: must contain at least 1 non-whitespace character")
    return stripped
