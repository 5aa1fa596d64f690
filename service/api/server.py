"""The HTTP server `runri serve` (and so `make serve`) runs: uvicorn with limits a public port needs.

- A connection cap (`RUNRI_MAX_CONNECTIONS`, uvicorn's `limit_concurrency`): beyond it, requests get
  503 at once instead of piling up.
- A header timeout (`RUNRI_HEADER_TIMEOUT_S`): a connection that has not sent a complete request head
  that long after it opened, or after its previous response, is closed (with a 408 when it had sent
  part of one). uvicorn has no such timeout: its keep-alive timer stops at the first byte, so a client
  sending one header byte at a time would hold a connection forever.
- The body timeout is the body-limit middleware's (service/api/limits.py): it reads every body anyway.
"""

from __future__ import annotations

import asyncio
import sys

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.settings import Settings

_TOO_SLOW = b"request headers not received in time\n"
REQUEST_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                   b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TOO_SLOW), _TOO_SLOW))


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head."""

    header_timeout: float = 10.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._partial_head = False

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._partial_head = self.conn.their_state is h11.IDLE and bool(data)
        self._watch_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _watch_head(self) -> None:
        """Armed while the connection waits for a request head (once: partial data does not re-arm it)."""
        waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
        if waiting and self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)
        elif not waiting:
            self._stop_head_timer()

    def _stop_head_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _head_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return
        if self._partial_head:
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()


def guarded_protocol(header_timeout: float) -> type[GuardedH11Protocol]:
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"header_timeout": header_timeout})


def server_config(app, settings: Settings, host: str, port: int, **overrides) -> uvicorn.Config:
    options = dict(host=host, port=port, log_level="info", http=guarded_protocol(settings.header_timeout_s),
                   limit_concurrency=settings.max_connections, timeout_keep_alive=settings.keep_alive_timeout_s,
                   backlog=settings.max_connections)
    return uvicorn.Config(app, **{**options, **overrides})


def run(app, settings: Settings, host: str, port: int, **overrides) -> None:
    # A request that calls into C now and then (the model, FAISS, numpy) waits up to one switch interval
    # for the GIL each time it comes back while a /cite thread runs Python: 5 ms by default, and an /ask
    # comes back a dozen times. Measured beside three long /cite: /ask p99 175 ms at 5 ms, 46 at 0.5.
    sys.setswitchinterval(settings.gil_switch_ms / 1000)
    uvicorn.Server(server_config(app, settings, host, port, **overrides)).run()
