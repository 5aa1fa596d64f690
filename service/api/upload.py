"""Read a new document from a request: JSON, or a multipart upload of a .txt / .md file with the
metadata as form fields. Both end as the same validated `NewDocument`."""

from __future__ import annotations

import json as json_module

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from service.ingest import require_text_file
from service.models import NewDocument
from service.request_errors import InvalidRequestError, UnsupportedMediaTypeError

METADATA = ("id", "title", "publication", "author", "date", "url")

OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": NewDocument.model_json_schema()},
            "multipart/form-data": {"schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary",
                                        "description": "A UTF-8 .txt or .md file."},
                               **{name: {"type": "string"} for name in METADATA}},
            }},
        },
    }
}


async def read_new_document(request: Request) -> NewDocument:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        return _validated(await request.body(), json=True)
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=len(METADATA) + 1)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidRequestError("file: attach the article as a .txt or .md file in the 'file' field")
        require_text_file(upload.filename)
        text = _utf8(await upload.read(), upload.filename)
        fields = {name: form.get(name) for name in METADATA if isinstance(form.get(name), str) and form.get(name)}
        return _validated({**fields, "text": text}, json=False)
    raise UnsupportedMediaTypeError(f"content-type {kind or 'missing'}: send application/json or a "
                                    "multipart/form-data upload")


def _utf8(data: bytes, name: str | None) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequestError(f"file: {name!r} is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from exc


def _validated(data, json: bool) -> NewDocument:
    try:
        return NewDocument.model_validate_json(data) if json else NewDocument.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        if json and any(e["type"] == "json_invalid" for e in errors):
            raise RequestValidationError([_json_syntax_error(data)]) from None
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


def _json_syntax_error(data: bytes) -> dict:
    """Where the JSON breaks, as FastAPI reports it for every other route: the character position."""
    try:
        json_module.loads(data)
    except json_module.JSONDecodeError as exc:
        return {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error",
                "ctx": {"error": exc.msg}}
    except UnicodeDecodeError as exc:
        return {"type": "json_invalid", "loc": ("body",), "msg": f"not valid UTF-8 (byte {exc.start}); send UTF-8"}
    return {"type": "json_invalid", "loc": ("body",), "msg": "invalid JSON"}
