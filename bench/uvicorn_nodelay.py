"""uvicorn's command line with one fix, for `--workers N` benchmarks: the listening socket gets
proto=IPPROTO_TCP so accepted connections get TCP_NODELAY.

Why: with --workers > 1 uvicorn binds the socket itself (`Config.bind_socket`, proto left at 0);
accepted sockets inherit proto 0 and asyncio only sets TCP_NODELAY when proto is IPPROTO_TCP, so
Nagle stays on and every keep-alive response waits for the client's delayed ACK (~40 ms on Linux).
The single-process path is unaffected. Upstream: Kludex/uvicorn issue #3149. Measured here at
concurrency 1 with 2 workers: ~65 ms p50 without this fix, ~15 ms with it (1 worker: ~15 ms).

    python -m bench.uvicorn_nodelay service.api.app:create_app --factory --workers 2 ...
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.config import Config

_bind_socket = Config.bind_socket


def bind_socket(self: Config) -> socket.socket:
    sock = _bind_socket(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


Config.bind_socket = bind_socket

if __name__ == "__main__":
    uvicorn.main()
