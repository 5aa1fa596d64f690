"""The server `runri serve` runs, over real sockets: slow heads and bodies are cut off, the connection
cap answers 503, secrets in query strings stay out of the access log, and CPU-heavy requests queue in a
bounded pool (503 + Retry-After beyond it) while the event loop keeps answering."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

import httpx
import pytest
import uvicorn

from service.api import server
from service.api.app import create_app
from service.engine import Engine

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(settings, engine):
    """Start `runri serve`'s server (service.api.server) in a thread with the given limits."""
    running = []

    def start(**limits):
        tight = settings.model_copy(update=limits)
        port = _free_port()
        config = server.server_config(create_app(tight, engine), tight, HOST, port, log_config=None)
        instance = uvicorn.Server(config)
        thread = threading.Thread(target=instance.run, daemon=True)
        thread.start()
        running.append((instance, thread))
        deadline = time.monotonic() + 30
        while not instance.started:
            assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
            time.sleep(0.02)
        return port

    yield start
    for instance, thread in running:
        instance.should_exit = True
        thread.join(timeout=15)


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection (the test fails on the 10 s socket timeout)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _read_response(sock: socket.socket) -> bytes:
    """One whole response, head and Content-Length body, however the TCP segments arrive (a loaded
    machine may deliver the head and the body separately)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed in the middle of a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed in the middle of a body"
        body += chunk
    return head + b"\r\n\r\n" + body


def _status_soon(client: httpx.Client, expected: int, within_s: float = 10.0) -> int:
    """The status /healthz answers once the server has seen the connections just opened or closed
    (it registers them asynchronously; a fixed sleep is a race on a loaded machine)."""
    deadline = time.monotonic() + within_s
    while True:
        status = client.get("/healthz").status_code
        if status == expected or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_a_request_head_sent_too_slowly_gets_408_and_is_closed(served):
    port = served(header_timeout_s=0.5)
    with _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer


def test_a_connection_that_never_sends_anything_is_closed(served):
    port = served(header_timeout_s=0.5)
    with _connect(port) as sock:
        assert _read_all(sock) == b""  # closed by the server, not by our socket timeout


def test_a_keep_alive_connection_trickling_its_next_head_is_closed(served):
    port = served(header_timeout_s=0.5, keep_alive_timeout_s=30)
    with _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = _read_response(sock)
        assert first.startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"G")  # one byte of the next head stops uvicorn's keep-alive timer; then nothing
        assert _read_all(sock).startswith(b"HTTP/1.1 408 ")  # closed by the header timeout instead


def test_a_body_sent_too_slowly_gets_408(served):
    port = served(body_timeout_s=0.5)
    with _connect(port) as sock:
        sock.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n"
                     b'{"question": ')
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"RUNRI_BODY_TIMEOUT_S" in answer


def test_beyond_the_connection_cap_requests_get_503(served):
    port = served(max_connections=3)
    idle = [_connect(port) for _ in range(2)]
    try:
        with httpx.Client(base_url=f"http://{HOST}:{port}") as client:
            assert _status_soon(client, 503) == 503
            idle.pop().close()
            assert _status_soon(client, 200) == 200
    finally:
        for sock in idle:
            sock.close()


def test_the_access_log_never_shows_a_token_from_the_query(served):
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    try:
        port = served()
        httpx.get(f"http://{HOST}:{port}/search", params={"q": "visa", "token": "s3cret-value"})
        deadline = time.monotonic() + 5
        while not lines and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        access.removeHandler(handler)
    assert lines and "token=[redacted]" in lines[0] and "s3cret-value" not in "".join(lines)


class GatedEngine(Engine):
    """The real engine, whose /cite waits for the test to open a gate: a deliberately slow request."""

    def __init__(self, settings, index, embedder) -> None:
        super().__init__(settings, index, embedder)
        self.gate = threading.Event()
        self.started = threading.Semaphore(0)

    def cite(self, text: str, link_base: str | None = None):
        self.started.release()
        assert self.gate.wait(timeout=30), "the test never opened the gate"
        return super().cite(text, link_base)


def test_heavy_requests_queue_in_a_bounded_pool_and_the_rest_keep_answering(settings, engine):
    gated = GatedEngine(settings, engine.index, engine.embedder)
    app = create_app(settings.model_copy(update={"cpu_workers": 1, "cpu_queue": 1}), gated)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            quote = {"text": "Japan is simple to enter and invest in."}
            first = asyncio.create_task(client.post("/cite", json=quote))
            await asyncio.to_thread(gated.started.acquire, True, 10)  # the worker is busy with it
            queued = asyncio.create_task(client.post("/cite", json=quote))
            await asyncio.sleep(0.1)
            refused = await client.post("/cite", json=quote)
            health = await client.get("/healthz")  # the event loop is free while the pool works
            search = await client.get("/search", params={"q": "visa"})
            gated.gate.set()
            return refused, health, search, await first, await queued

    refused, health, search, first, queued = asyncio.run(scenario())
    assert refused.status_code == 503 and refused.json()["error"] == "busy"
    assert int(refused.headers["retry-after"]) >= 1 and "RUNRI_CPU_WORKERS" in refused.json()["message"]
    assert health.status_code == 200 and search.status_code == 200
    assert first.status_code == 200 and queued.status_code == 200
    assert first.json()["verdict"] == "near"
