"""Request body limits, enforced before any parsing: a 2 MB article, 64 KB for everything else, and
RUNRI_BODY_TIMEOUT_S for the whole body to arrive.

Pure ASGI middleware: it reads the body up to the limit and answers 413 itself once it is exceeded
(408 once the time is up), so an oversized, endless or trickled upload never reaches a route, fills
memory or holds a connection for ever."""

from __future__ import annotations

import asyncio
import json
import time

from service.settings import Settings

DOCUMENTS_PATH = "/documents"


class BodyLimit:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def limit_for(self, scope) -> int:
        if scope["method"] == "POST" and scope["path"].rstrip("/") == DOCUMENTS_PATH:
            return self.settings.max_document_bytes
        return self.settings.max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, scope, limit)
            return
        chunks, size, more = [], 0, True
        deadline = time.monotonic() + self.settings.body_timeout_s
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                await _too_slow(send, self.settings.body_timeout_s)
                return
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > limit:
                await _too_large(send, scope, limit)
                return
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(send, scope, limit: int) -> None:
    message = (f"request body over {limit:,} bytes, the limit of {scope['method']} {scope['path']}; "
               "send less (RUNRI_MAX_DOCUMENT_BYTES / RUNRI_MAX_BODY_BYTES set the limits)")
    await _refuse(send, 413, "payload_too_large", message)


async def _too_slow(send, seconds: float) -> None:
    message = f"request body not received within {seconds:g} s (RUNRI_BODY_TIMEOUT_S); send it faster"
    await _refuse(send, 408, "request_timeout", message, close=True)


async def _refuse(send, status: int, code: str, message: str, close: bool = False) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + ([(b"connection", b"close")] if close else [])})
    await send({"type": "http.response.body", "body": body})
