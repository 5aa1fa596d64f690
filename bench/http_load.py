"""Over HTTP: a closed-loop load generator (asyncio + httpx) against a real uvicorn server that this
script starts on 127.0.0.1 (a free port) and stops.

For each worker count (uvicorn --workers) and each endpoint (POST /ask, GET /search), at concurrency
1, 8 and 32: `--duration` seconds of requests (each of `concurrency` clients sends its next request
when the previous answer arrives), cycling through the gold questions in file order. Reported:
throughput, p50/p95/p99 latency, errors (any non-200 or transport error; 0 required), server CPU
per request, and the server's RSS (all its processes) at rest and at its peak under load.

The query-embedding cache: the server runs with RUNRI_QUERY_CACHE_SIZE=40 unless --cache-size says
otherwise. The 118 distinct questions are cycled in order, so a worker sees ~118 (1 worker) or ~59
(2 workers) other questions before one comes back: with 40 entries it has been evicted and the model
runs, as for a new question. 40 is above the requests in flight (32), so /ask's second lookup of its
own question within the request still hits, as in production. (Cache size 0 would embed twice per
/ask; the default 1024 would make every request after the first 118 a cache hit.)

With --workers > 1 the server is uvicorn run through bench/uvicorn_nodelay.py, which restores
TCP_NODELAY (plain `uvicorn --workers N` leaves Nagle on: +~40 ms per keep-alive request, upstream
Kludex/uvicorn#3149); --plain-uvicorn-workers measures it as shipped. 1 worker is plain uvicorn.
`--py-spy $(command -v py-spy)` samples the 1-worker server during POST /ask at concurrency 8.

    .venv/bin/python -m bench.http_load [--workers 1,2] [--concurrency 1,8,32] [--duration 10]

Writes bench/results/http.json. Loopback only: the server binds 127.0.0.1 and nothing else is called.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import threading
import time
from pathlib import Path

import httpx

from bench.common import RESULTS, markdown_table, questions, serve, summary_ms, tree_cpu_s, tree_rss_mb, write_result

ENDPOINTS = ("ask", "search")


async def _load(url: str, endpoint: str, concurrency: int, duration: float, qs: list[str]) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(10 ** 12))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        deadline = time.perf_counter() + duration

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                q = qs[next(counter) % len(qs)]
                t = time.perf_counter()
                try:
                    if endpoint == "ask":
                        r = await client.post("/ask", json={"question": q})
                    else:
                        r = await client.get("/search", params={"q": q})
                    elapsed = time.perf_counter() - t
                    if r.status_code == 200:
                        latencies.append(elapsed)
                    else:
                        errors.append(f"{r.status_code}: {r.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "elapsed_s": round(elapsed, 3),
            "throughput_rps": round(len(latencies) / elapsed, 2), "errors": len(errors),
            "error_examples": sorted(set(errors))[:5], "latency_ms": summary_ms(latencies)}


class RssSampler:
    """Samples the server's RSS (all its processes) every `interval` s while the load runs."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _start_py_spy(binary: str, pid: int, duration: float, endpoint: str, concurrency: int):
    """Sample the server with py-spy (all threads, native frames off) while one level runs."""
    out = RESULTS / f"http-{endpoint}-c{concurrency}.pyspy.txt"
    proc = subprocess.Popen([binary, "record", "--pid", str(pid), "--duration", str(max(1, int(duration))),
                             "--format", "raw", "--output", str(out), "--rate", "200", "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, out, endpoint, concurrency


def _finish_py_spy(proc: subprocess.Popen, out: Path, endpoint: str, concurrency: int, top: int = 25) -> dict:
    """Self time by function and time by category from py-spy's collapsed stacks."""
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return {"error": "py-spy did not finish"}
    if proc.returncode != 0 or not out.exists():
        return {"error": f"py-spy failed ({proc.returncode}): {err.decode(errors='replace')[-500:]}"}
    own: dict[str, int] = {}
    categories: dict[str, int] = {}
    total = 0
    for line in out.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        own[frames[-1]] = own.get(frames[-1], 0) + n
        category = _category(frames)
        categories[category] = categories.get(category, 0) + n
    rows = sorted(own.items(), key=lambda kv: -kv[1])[:top]
    return {"endpoint": endpoint, "concurrency": concurrency, "samples": total, "collapsed_stacks": str(out),
            "by_category": {k: round(v / total, 3) for k, v in sorted(categories.items(), key=lambda kv: -kv[1])},
            "top_self": [{"frame": f, "share": round(n / total, 3)} for f, n in rows]}


def _category(frames: list[str]) -> str:
    """Where a sample is: idle threads, the embedding model, the engine, or the HTTP stack."""
    text = ";".join(frames)
    leaf = frames[-1]
    if any(w in leaf for w in ("wait (threading", "select (selectors", "_worker (concurrent", "poll (",
                               "run_forever", "_run_once", "wait (", "get (queue")):
        if "embed" not in text:
            return "idle / waiting"
    if "encode (sentence_transformers" in text or "embed (index/embed" in text or "torch" in text:
        return "query embedding (sentence-transformers / torch)"
    if "service/engine.py" in text or "service/retrieve.py" in text or "service/answer.py" in text:
        return "engine (retrieval, answer) except embedding"
    if "pydantic" in text or "fastapi" in text or "starlette" in text or "uvicorn" in text or "h11" in text:
        return "HTTP stack (uvicorn, starlette, fastapi, pydantic)"
    return "other"


def run_workers(workers: int, concurrencies: list[int], duration: float, cache_size: int, warmup: int,
                py_spy: str | None = None, profile_at: int = 8, nodelay_fix: bool = True) -> dict:
    qs = questions()
    env = {"RUNRI_QUERY_CACHE_SIZE": str(cache_size)}
    with serve(workers=workers, env=env, confirm_ready=10 * workers, nodelay_fix=nodelay_fix) as server:
        result: dict = {"workers": workers, "ready_s": round(server.ready_s, 2),
                        "tcp_nodelay_fix": nodelay_fix and workers > 1,
                        "rss_mb_ready": tree_rss_mb(server.pid)}
        # Warm every worker: a first request pays lazy initialisation (torch kernels, tokenizer).
        asyncio.run(_load(server.url, "ask", max(1, 2 * workers), warmup, qs))
        asyncio.run(_load(server.url, "search", max(1, 2 * workers), warmup / 2, qs))
        result["rss_mb_at_rest"] = tree_rss_mb(server.pid)
        levels = []
        for endpoint in ENDPOINTS:
            for c in concurrencies:
                cpu_before, client_before = tree_cpu_s(server.pid), time.process_time()
                spy = (_start_py_spy(py_spy, server.pid, duration, endpoint, c)
                       if py_spy and (endpoint, c) == (ENDPOINTS[0], profile_at) and workers == 1 else None)
                with RssSampler(server.pid) as sampler:
                    level = asyncio.run(_load(server.url, endpoint, c, duration, qs))
                if spy is not None:
                    result["profile"] = _finish_py_spy(*spy)
                cpu = tree_cpu_s(server.pid) - cpu_before
                client = time.process_time() - client_before
                done = max(level["requests"], 1)
                level.update(endpoint=endpoint, concurrency=c, rss_mb_peak=round(sampler.peak, 1),
                             server_cpu_ms_per_request=round(cpu * 1000 / done, 2),
                             server_cpu_utilisation=round(cpu / level["elapsed_s"], 2),
                             client_cpu_ms_per_request=round(client * 1000 / done, 2),
                             loadavg_1min_after=float(Path("/proc/loadavg").read_text().split()[0]))
                levels.append(level)
                print(f"  workers={workers} {endpoint:6} c={c:<3} {level['throughput_rps']:8.1f} req/s  "
                      f"p50 {level['latency_ms'].get('p50', float('nan')):7.1f} ms  "
                      f"p99 {level['latency_ms'].get('p99', float('nan')):7.1f} ms  errors {level['errors']}",
                      flush=True)
        result["rss_mb_after_load"] = tree_rss_mb(server.pid)
        result["levels"] = levels
    return result


def run(workers: list[int], concurrencies: list[int], duration: float, cache_size: int = 40,
        warmup: float = 3.0, out: Path | None = None, py_spy: str | None = None, nodelay_fix: bool = True) -> dict:
    """`py_spy`: path of a py-spy binary; when given, POST /ask at concurrency 8 (or the first level)
    with 1 worker is sampled and the profile lands in the JSON (py-spy is not a project dependency:
    `pip install py-spy` anywhere and pass --py-spy $(command -v py-spy))."""
    started = time.perf_counter()
    profile_at = 8 if 8 in concurrencies else concurrencies[0]
    runs = [run_workers(w, concurrencies, duration, cache_size, warmup, py_spy, profile_at, nodelay_fix)
            for w in workers]
    payload = {"duration_s_per_level": duration, "query_cache_size": cache_size, "questions": len(questions()),
               "client": "asyncio + httpx.AsyncClient, closed loop, keep-alive, in a separate process",
               "runs": runs, "total_errors": sum(level["errors"] for r in runs for level in r["levels"]),
               "seconds": round(time.perf_counter() - started, 1)}
    write_result("http", payload, out)
    return payload


def table(result: dict) -> str:
    rows = []
    for r in result["runs"]:
        for level in r["levels"]:
            lat = level["latency_ms"]
            rows.append([r["workers"], f"{'POST /ask' if level['endpoint'] == 'ask' else 'GET /search'}",
                         level["concurrency"], level["throughput_rps"], lat.get("p50", "-"), lat.get("p99", "-"),
                         level["errors"], level["server_cpu_ms_per_request"], level["rss_mb_peak"]])
    rest = "; ".join(f"{r['workers']} worker(s): RSS {r['rss_mb_at_rest']} MiB at rest"
                     + (" (TCP_NODELAY fix)" if r.get("tcp_nodelay_fix") else "") for r in result["runs"])
    return (markdown_table(["workers", "endpoint", "concurrency", "req/s", "p50 ms", "p99 ms", "errors",
                            "server CPU ms/req", "peak RSS MiB"], rows) + f"\n\n{rest}")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=_ints, default=[1], help="uvicorn worker counts, e.g. 1,2 (default 1)")
    parser.add_argument("--concurrency", type=_ints, default=[1, 8, 32], help="default 1,8,32")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level (default 10)")
    parser.add_argument("--cache-size", type=int, default=40, help="server's RUNRI_QUERY_CACHE_SIZE (default 40)")
    parser.add_argument("--py-spy", metavar="BINARY", help="py-spy binary: profile POST /ask at concurrency 8")
    parser.add_argument("--plain-uvicorn-workers", action="store_true",
                        help="with --workers > 1, run plain uvicorn (Nagle on: see bench/uvicorn_nodelay.py)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.workers, args.concurrency, args.duration, args.cache_size, out=args.out, py_spy=args.py_spy,
                 nodelay_fix=not args.plain_uvicorn_workers)
    print(table(result))
    for r in result["runs"]:
        if "profile" in r:
            print(json.dumps(r["profile"], indent=1))
    if result["total_errors"]:
        print(f"FAILED: {result['total_errors']} errors (0 required)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
