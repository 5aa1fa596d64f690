"""The one place where domain errors become HTTP status codes. Every error body is {error, message}."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import errors

log = logging.getLogger("runri.api")

STATUS = {
    errors.DocumentNotFoundError: (404, "not_found"),
    errors.InvalidRequestError: (422, "invalid_request"),
    errors.ConflictError: (409, "conflict"),
    errors.AuthenticationError: (401, "unauthorized"),
    errors.WritesDisabledError: (403, "writes_disabled"),
    errors.UnsupportedMediaTypeError: (415, "unsupported_media_type"),
    errors.NotReadyError: (503, "not_ready"),
    errors.IndexMissingError: (503, "index_missing"),
    errors.IndexStaleError: (503, "index_stale"),
    errors.IndexCorruptError: (503, "index_corrupt"),
    errors.CorpusError: (503, "corpus_invalid"),
}


def error_response(status: int, code: str, message: str, **extra) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "message": message, **extra})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.RunriError)
    async def domain_error(request: Request, exc: errors.RunriError) -> JSONResponse:
        status, code = next((v for k, v in STATUS.items() if isinstance(exc, k)), (500, "internal_error"))
        response = error_response(status, code, exc.message)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_describe(e) for e in exc.errors()]
        return error_response(422, "invalid_request", "; ".join(problems), details=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:16]
        log.exception("unhandled error, request_id=%s, %s %s", request_id, request.method, request.url.path)
        return error_response(500, "internal_error", f"internal error; quote request id {request_id} "
                              "when reporting it", request_id=request_id)


def _describe(error: dict) -> str:
    """'body.question: String should have at most 1000 characters' — the field, then what to fix."""
    location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{location or 'request'}: {error.get('msg', 'invalid value')}"
