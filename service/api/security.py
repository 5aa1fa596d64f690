"""Response headers every answer carries, and the access log's redaction of secrets in query strings.

Pure ASGI middleware, so it covers every response alike: routes, static files, the framework's own
errors and the body-limit middleware's 413. HTML is never served without a Content-Security-Policy:
the pages set their own, and any other HTML (a static file, the OpenAPI docs) gets one here.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

# The web page: nothing from another origin, never framed.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
# /docs and /redoc are FastAPI's pages, with Swagger UI / ReDoc served by the app (service/api/docs.py)
# and an inline script that starts them: nothing from another origin.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; worker-src 'self' blob:; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
# JSON and other files: nothing to run, nothing to frame.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")

ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
          (b"referrer-policy", b"no-referrer")]


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in ALWAYS if name not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", csp_for(scope["path"], _content_type(headers))))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def csp_for(path: str, content_type: bytes) -> bytes:
    if not content_type.startswith(b"text/html"):
        return API_CSP.encode()
    return (DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP).encode()


def _content_type(headers: list[tuple[bytes, bytes]]) -> bytes:
    return next((value.lower() for name, value in headers if name.lower() == b"content-type"), b"")


# ------------------------------------------------------------------ access log

# "auth" alone or as a prefix ("auth_token", "authorization"), never "author".
_SECRET_NAME = re.compile(r"token|secret|passw|pwd|api[_-]?key|session|signature|credential|^auth$|^auth[_-]|"
                          r"^authori[sz]ation$|^key$|^sig$", re.IGNORECASE)
REDACTED = "[redacted]"


def redact_query(query: str) -> str:
    """The query string with the value of every parameter named like a secret replaced."""
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}={REDACTED}" if sep and _SECRET_NAME.search(unquote_plus(name)) else part)
    return "&".join(parts)


def redact_target(target: str) -> str:
    """A request target (path?query) with secret query values redacted."""
    path, sep, query = target.partition("?")
    return f"{path}?{redact_query(query)}" if sep else target


class RedactQuerySecrets(logging.Filter):
    """For uvicorn's access log, whose record args are (client, method, path?query, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


def redact_access_log(logger_name: str = "uvicorn.access") -> None:
    """Install the filter once (create_app may run several times in one process)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactQuerySecrets) for f in logger.filters):
        logger.addFilter(RedactQuerySecrets())
