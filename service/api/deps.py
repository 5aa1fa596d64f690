"""Typed dependencies: routes ask for the engine, never build it."""

from __future__ import annotations

from typing import Annotated

import hmac

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.api.workers import WorkPool
from service.engine import Engine
from service.ingest import Ingestor
from service.models import Filters, IsoDate
from service.request_errors import AuthenticationError, NotReadyError, WritesDisabledError

_bearer = HTTPBearer(auto_error=False, description="RUNRI_API_TOKEN, for the write endpoints.")


def get_engine(request: Request) -> Engine:
    state = request.app.state
    if state.engine is None:
        reason = state.load_error or "the index is still loading"
        raise NotReadyError(f"service not ready: {reason}")
    return state.engine


def require_write_access(request: Request,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """Writes need `Authorization: Bearer <RUNRI_API_TOKEN>`, compared in constant time; with no token
    configured (or a blank one) they are off."""
    token = request.app.state.settings.write_token
    if token is None:  # unset or blank: an empty bearer token must never match an empty secret
        raise WritesDisabledError("write endpoints are disabled: RUNRI_API_TOKEN is unset or blank; start the "
                                  "server with it set to enable them")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise AuthenticationError("missing or wrong bearer token: send 'Authorization: Bearer <RUNRI_API_TOKEN>'")


def get_ingestor(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Ingestor:
    return request.app.state.ingestor


def get_cpu_pool(request: Request) -> WorkPool:
    return request.app.state.cpu_pool


def search_filters(
    doc_id: Annotated[list[str] | None, Query(description="Only these document ids (repeatable).")] = None,
    publication: Annotated[str | None, Query(description="Only this publication.")] = None,
    date_from: Annotated[IsoDate | None, Query(description="Only documents dated on/after (YYYY-MM-DD).")] = None,
    date_to: Annotated[IsoDate | None, Query(description="Only documents dated on/before (YYYY-MM-DD).")] = None,
    include_undated: Annotated[bool, Query(description="With a date filter, also keep articles that state no "
                                                       "date (default false; the web page sends true).")] = False,
) -> Filters:
    return Filters(doc_ids=doc_id, publication=publication, date_from=date_from, date_to=date_to,
                   include_undated=include_undated)


def request_base(request: Request) -> str:
    """The scheme and host this request was sent to: the base of shareable links when
    RUNRI_PUBLIC_URL is unset."""
    return str(request.base_url).rstrip("/")


EngineDep = Annotated[Engine, Depends(get_engine)]
IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
WriteAccess = Depends(require_write_access)
FiltersDep = Annotated[Filters, Depends(search_filters)]
CpuPoolDep = Annotated[WorkPool, Depends(get_cpu_pool)]
LinkBaseDep = Annotated[str, Depends(request_base)]
