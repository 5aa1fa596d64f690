"""Typed dependencies: routes ask for the engine, never build it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from service.engine import Engine
from service.errors import NotReadyError
from service.models import Filters


def get_engine(request: Request) -> Engine:
    state = request.app.state
    if state.engine is None:
        reason = state.load_error or "the index is still loading"
        raise NotReadyError(f"service not ready: {reason}")
    return state.engine


def search_filters(
    doc_id: Annotated[list[str] | None, Query(description="Only these document ids (repeatable).")] = None,
    publication: Annotated[str | None, Query(description="Only this publication.")] = None,
    date_from: Annotated[date | None, Query(description="Only documents dated on/after (YYYY-MM-DD).")] = None,
    date_to: Annotated[date | None, Query(description="Only documents dated on/before (YYYY-MM-DD).")] = None,
) -> Filters:
    return Filters(doc_ids=doc_id, publication=publication, date_from=date_from, date_to=date_to)


EngineDep = Annotated[Engine, Depends(get_engine)]
FiltersDep = Annotated[Filters, Depends(search_filters)]
