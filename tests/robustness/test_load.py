"""Bounded load test: the session's uvicorn server on loopback (`live_server`), 500 requests at
concurrency 16. Throughput is measured by `make bench`, not here: this checks that concurrent requests
all succeed and cite exactly. The mix is realistic for a reader of the site, weighted towards cheap
requests so the test stays near 3 s on 2 cores:
55% lexical search, 15% excerpt links, 5% /healthz, 5% /documents, 10% /ask, 10% /cite, with the
questions and quotes of the eval set. Every request must succeed (no exception, 2xx), and every
cited text must be the document's text at its offsets, under concurrency as well as alone.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

import httpx
from robustness_support import read_jsonl


REQUESTS = 500
CONCURRENCY = 16
REQUEST_TIMEOUT_S = 30
TOTAL_TIMEOUT_S = 180
MIX = {"search": 55, "excerpt": 15, "healthz": 5, "documents": 5, "ask": 10, "cite": 10}


def _plan(texts: dict[str, str], seed: int = 20250702) -> list[tuple[str, str, dict]]:
    """(kind, method+path, request kwargs) for every request, drawn once and reproducibly."""
    rng = random.Random(seed)
    questions = [q["question"] for q in read_jsonl("questions.jsonl")]
    quotes = [c["text"] for c in read_jsonl("quotes.jsonl")]
    rng.shuffle(questions)
    rng.shuffle(quotes)
    doc_ids = sorted(texts)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=REQUESTS)
    plan = []
    for i, kind in enumerate(kinds):
        if kind == "search":
            plan.append((kind, "GET /search", {"params": {"q": questions[i % len(questions)], "mode": "lexical",
                                                          "k": rng.choice([3, 5, 10])}}))
        elif kind == "excerpt":
            doc_id = rng.choice(doc_ids)
            start = rng.randrange(0, len(texts[doc_id]) - 1)
            end = rng.randint(start + 1, min(start + 400, len(texts[doc_id])))
            plan.append((kind, f"GET /documents/{doc_id}/excerpt",
                         {"params": {"start": start, "end": end, "context": rng.choice([0, 50, 200])}}))
        elif kind == "healthz":
            plan.append((kind, "GET /healthz", {}))
        elif kind == "documents":
            plan.append((kind, "GET /documents", {}))
        elif kind == "ask":
            plan.append((kind, "POST /ask", {"json": {"question": questions[i % len(questions)]}}))
        else:
            plan.append((kind, "POST /cite", {"json": {"text": quotes[i % len(quotes)]}}))
    return plan


def _citations(kind: str, body) -> list[dict]:
    """Every {doc_id, start, end, text} a response holds."""
    if kind == "search":
        return body["passages"]
    if kind == "excerpt":
        return [body]
    if kind == "ask":
        return ([body["answer"]] if body["answer"] else []) + body["passages"] + body["also_reported_in"]
    if kind == "cite":
        return [m for check in [body["whole"], *body["sentences"]] for m in check["matches"]]
    return []


async def _run(url: str, plan: list[tuple[str, str, dict]]) -> tuple[list[tuple], list[str], dict]:
    """Send the plan with CONCURRENCY workers; returns (responses, errors, latencies per kind)."""
    queue: asyncio.Queue = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    responses, errors = [], []
    latencies: dict[str, list[float]] = {kind: [] for kind in MIX}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)

    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        async def worker() -> None:
            while True:
                try:
                    kind, route, kwargs = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                method, path = route.split(" ", 1)
                started = time.perf_counter()
                try:
                    response = await client.request(method, path, **kwargs)
                except Exception as exc:  # any transport error is a failure of the test
                    errors.append(f"{route} {kwargs}: {type(exc).__name__}: {exc}")
                    continue
                latencies[kind].append(time.perf_counter() - started)
                if not 200 <= response.status_code < 300:
                    errors.append(f"{route} {kwargs}: {response.status_code} {response.text[:300]}")
                    continue
                responses.append((kind, route, kwargs, response.json()))

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return responses, errors, latencies


def test_500_requests_at_concurrency_16_all_succeed_with_exact_citations(live_server):
    server_url = live_server
    documents = httpx.get(f"{server_url}/documents", timeout=10).json()
    texts = {d["id"]: httpx.get(f"{server_url}/documents/{d['id']}", timeout=10).json()["text"] for d in documents}
    plan = _plan(texts)

    started = time.perf_counter()
    responses, errors, latencies = asyncio.run(asyncio.wait_for(_run(server_url, plan), TOTAL_TIMEOUT_S))
    elapsed = time.perf_counter() - started

    assert not errors, f"{len(errors)} of {REQUESTS} requests failed, e.g.:\n" + "\n".join(errors[:10])
    assert len(responses) == REQUESTS

    answers, mismatches = 0, []
    for kind, route, kwargs, body in responses:
        if kind == "ask" and body["answer"] is not None:
            answers += 1
        for cited in _citations(kind, body):
            if texts[cited["doc_id"]][cited["start"]:cited["end"]] != cited["text"]:
                mismatches.append(f"{route} {kwargs}: {cited['doc_id']} [{cited['start']}:{cited['end']}] "
                                  f"{cited['text'][:80]!r}")
        if kind == "documents":
            assert {d["id"] for d in body} == set(texts)
    assert not mismatches, f"{len(mismatches)} citations differ from the document text:\n" + "\n".join(mismatches[:10])
    assert answers > 0.5 * sum(1 for kind, *_ in plan if kind == "ask")  # most eval questions are answered

    summary = ", ".join(f"{kind} n={len(v)} p50={statistics.median(v) * 1000:.0f}ms "
                        f"p95={statistics.quantiles(v, n=20)[-1] * 1000:.0f}ms" for kind, v in latencies.items() if v)
    print(f"\n{REQUESTS} requests in {elapsed:.1f} s ({REQUESTS / elapsed:.0f} req/s) at concurrency "
          f"{CONCURRENCY}: {summary}")
