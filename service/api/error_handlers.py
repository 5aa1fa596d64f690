"""The one place where domain errors (index/errors.py, service/request_errors.py) become HTTP status
codes. Every error body is {error, message}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from index import errors as index_errors
from service import request_errors
from service.api.observability import request_id_of

log = logging.getLogger("runri.api")

STATUS = {
    request_errors.DocumentNotFoundError: (404, "not_found"),
    request_errors.JobNotFoundError: (404, "not_found"),
    request_errors.InvalidRequestError: (422, "invalid_request"),
    request_errors.ConflictError: (409, "conflict"),
    request_errors.AuthenticationError: (401, "unauthorized"),
    request_errors.WritesDisabledError: (403, "writes_disabled"),
    request_errors.UnsupportedMediaTypeError: (415, "unsupported_media_type"),
    request_errors.NotReadyError: (503, "not_ready"),
    request_errors.ServiceBusyError: (503, "busy"),
    index_errors.IndexMissingError: (503, "index_missing"),
    index_errors.IndexStaleError: (503, "index_stale"),
    index_errors.IndexCorruptError: (503, "index_corrupt"),
    index_errors.CorpusError: (503, "corpus_invalid"),
    index_errors.DiskFullError: (507, "insufficient_storage"),
}


# What an HTTP client can do about an error; the CLI gives its own commands instead (service/cli.py).
HINTS = {request_errors.DocumentNotFoundError: "GET /documents lists the ids"}


def describe(exc: Exception) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a domain error, as a response or a failed job reports it;
    anything else is an internal error whose details stay in the log."""
    if not isinstance(exc, index_errors.RunriError):
        return 500, "internal_error", "internal error; the server log has the details"
    status, code = next((v for k, v in STATUS.items() if isinstance(exc, k)), (500, "internal_error"))
    hint = next((h for k, h in HINTS.items() if isinstance(exc, k)), None)
    return status, code, f"{exc.message}; {hint}" if hint else exc.message


def error_response(status: int, code: str, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "message": message, **extra},
                        headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(index_errors.RunriError)
    async def domain_error(request: Request, exc: index_errors.RunriError) -> JSONResponse:
        status, code, message = describe(exc)
        response = error_response(status, code, message)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, request_errors.ServiceBusyError):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_describe(e) for e in exc.errors()]
        return error_response(422, "invalid_request", "; ".join(problems), details=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # the framework could not parse the body (bad UTF-8, bad multipart)
            return error_response(422, "invalid_request", f"body: {exc.detail}")
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            response = error_response(405, "method_not_allowed",
                                      f"{request.method} is not allowed here; use {', '.join(allowed)}")
            response.headers["Allow"] = ", ".join(allowed)
            return response
        code = {404: "not_found"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = request_id_of(request)
        log.exception("unhandled error, request_id=%s, %s %s", request_id, request.method, request.url.path)
        return error_response(500, "internal_error", f"internal error; quote request id {request_id} "
                              "when reporting it", request_id=request_id)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    routes = list(request.app.router.routes)
    while routes:
        route = routes.pop()
        nested = getattr(route, "original_router", None)  # an included router: look at its own routes
        if nested is not None:
            routes.extend(nested.routes)
        elif route.matches(request.scope)[0] is not Match.NONE:  # PARTIAL: path matches, method does not
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _describe(error: dict) -> str:
    """'body.question: String should have at most 1000 characters' — the field, then what to fix."""
    if error.get("type") == "json_invalid":
        position = error["loc"][-1] if error.get("loc") else None
        if isinstance(position, int):
            return f"body: invalid JSON at character {position} ({error.get('ctx', {}).get('error', '')})"
        return f"body: {error.get('msg', 'invalid JSON')}"
    location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{location or 'request'}: {error.get('msg', 'invalid value')}"
