"""Writes and isolation, over HTTP against `runri serve` on a copy of the index (never the repo's own).

1. big article: a 1 MB article (synthetic prose from the seed articles' words, seeded) is POSTed;
   reported: time to the 202, time until its job is done, whether it is then searchable, and the
   time of one-sentence writes right after (201 each).
2. mixed load: closed-loop readers (/search and /ask, the gold questions) at concurrency 16 for
   `--duration` s with reads only, then the same with 2 % of the requests small article writes;
   reported: each phase's read p50/p99 and their ratio (target: mixed p99 <= 2x read-only p99). The
   server keeps 40 query embeddings (RUNRI_QUERY_CACHE_SIZE=40, as bench/http_load.py does), so the
   118 questions, cycled, run the model as new questions would.
3. heavy requests: three 5,000-character /cite requests in a loop, while another client sends
   /healthz and /ask one at a time; reported: their p50/p99 (target < 100 ms p99) and the /cite times.

    .venv/bin/python -m bench.writes [--only big,mixed,cite] [--duration 20]

Writes bench/results/writes.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import REPO_ROOT, markdown_table, questions, serve, summary_ms, write_result

TOKEN = "bench-writes-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEED_WORDS = (REPO_ROOT / "seeds" / "000_7df7bf7b1c44685e.txt").read_text(encoding="utf-8").split()


def article(chars: int, seed: int) -> str:
    """Prose-like text: sentences of 8-25 seed words, paragraphs of 3-7 sentences, `chars` long."""
    rng = random.Random(seed)
    paragraphs, size = [], 0
    while size < chars:
        sentences = [" ".join(rng.choice(SEED_WORDS) for _ in range(rng.randint(8, 25))).rstrip(".") + "."
                     for _ in range(rng.randint(3, 7))]
        paragraphs.append(" ".join(sentences))
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)[:chars].rsplit(" ", 1)[0] + "."


async def _wait_for_job(client: httpx.AsyncClient, job_id: str, limit_s: float = 3600) -> dict:
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        job = (await client.get(f"/jobs/{job_id}", headers=AUTH)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.5)
    raise TimeoutError(f"job {job_id} not done in {limit_s} s")


async def big_article(url: str, chars: int = 1_000_000, small_writes: int = 5) -> dict:
    text = article(chars, seed=1)
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        started = time.perf_counter()
        response = await client.post("/documents", json={"id": "big-article", "title": "One megabyte",
                                                         "text": text}, headers=AUTH)
        accepted_s = time.perf_counter() - started
        body = response.json()
        job = await _wait_for_job(client, body["job_id"]) if response.status_code == 202 else body
        done_s = time.perf_counter() - started
        probe = " ".join(text.split(". ")[1234].split()[:12])
        hits = (await client.get("/search", params={"q": probe, "k": 3})).json()["passages"]
        small = []
        for i in range(small_writes):
            t = time.perf_counter()
            r = await client.post("/documents", json={"id": f"after-big-{i}",
                                                      "text": f"Quokkaville's ferry number {i} arrived late."},
                                  headers=AUTH)
            small.append({"status": r.status_code, "s": round(time.perf_counter() - t, 3)})
    return {"bytes": len(text.encode()), "status": response.status_code, "accepted_s": round(accepted_s, 3),
            "job": {k: job.get(k) for k in ("status", "progress", "error")}, "done_s": round(done_s, 1),
            "searchable": bool(hits) and hits[0]["doc_id"] == "big-article",
            "one_sentence_writes": small, "one_sentence_max_s": max(w["s"] for w in small)}


async def _readers(url: str, concurrency: int, duration: float, write_share: float, seed: int) -> dict:
    qs, rng = questions(), random.Random(seed)
    reads: list[float] = []
    writes: list[tuple[int, float]] = []
    errors: list[str] = []
    counter = iter(range(10 ** 9))
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        deadline = time.perf_counter() + duration

        async def one() -> None:
            while time.perf_counter() < deadline:
                n = next(counter)
                t = time.perf_counter()
                try:
                    if rng.random() < write_share:
                        r = await client.post("/documents", json={"id": f"mixed-{seed}-{n}", "title": f"Note {n}",
                                                                  "text": article(1500, seed=10_000 + n)},
                                              headers=AUTH)
                        writes.append((r.status_code, time.perf_counter() - t))
                        ok = r.status_code in (200, 201, 202)
                    elif n % 2:
                        r = await client.get("/search", params={"q": qs[n % len(qs)]})
                        ok = r.status_code == 200
                        reads.append(time.perf_counter() - t)
                    else:
                        r = await client.post("/ask", json={"question": qs[n % len(qs)]})
                        ok = r.status_code == 200
                        reads.append(time.perf_counter() - t)
                    if not ok:
                        errors.append(f"{r.status_code} {r.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")

        await asyncio.gather(*(one() for _ in range(concurrency)))
        pending = [job for job in (await client.get("/documents")).json()]  # noqa: F841 (keeps the loop honest)
    return {"reads": summary_ms(reads), "writes": len(writes),
            "write_statuses": sorted({s for s, _ in writes}), "write_ms": summary_ms([s for _, s in writes]),
            "errors": len(errors), "error_examples": sorted(set(errors))[:5]}


async def mixed_load(url: str, concurrency: int = 16, duration: float = 20, write_share: float = 0.02) -> dict:
    await _readers(url, concurrency, 3, 0.0, seed=0)  # warm-up
    read_only = await _readers(url, concurrency, duration, 0.0, seed=1)
    mixed = await _readers(url, concurrency, duration, write_share, seed=2)
    ratio = mixed["reads"]["p99"] / read_only["reads"]["p99"]
    return {"concurrency": concurrency, "duration_s": duration, "write_share": write_share,
            "read_only": read_only, "mixed": mixed, "p99_ratio": round(ratio, 2), "target_met": ratio <= 2.0}


def pasted_quotes(count: int, chars: int) -> list[str]:
    """`chars` characters of a seed article each, with a few words altered: the alignment path, the
    costly one (a text found nowhere is dismissed quickly)."""
    articles = [p.read_text(encoding="utf-8") for p in sorted((REPO_ROOT / "seeds").glob("*.txt"))]
    longest = sorted(articles, key=len, reverse=True)
    quotes = []
    for i in range(count):
        rng = random.Random(i)
        source = longest[i % len(longest)]
        start = rng.randrange(0, max(1, len(source) - chars))
        words = source[start:start + chars + 200].split(" ")
        for _ in range(15):
            j = rng.randrange(len(words))
            words[j] = words[j][::-1]
        quotes.append(" ".join(words)[:chars])
    return quotes


async def _probe(light: httpx.AsyncClient, deadline: float, health: list[float], ask: list[float]) -> None:
    """/healthz then /ask, one at a time, every 50 ms, from a client of its own."""
    qs = questions()
    n = 0
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        await light.get("/healthz")
        health.append(time.perf_counter() - t)
        t = time.perf_counter()
        await light.post("/ask", json={"question": qs[n % len(qs)]})
        ask.append(time.perf_counter() - t)
        n += 1
        await asyncio.sleep(0.05)


async def heavy_cites(url: str, duration: float = 20, cites: int = 3, chars: int = 5000) -> dict:
    """The probes alone first (the machine's own noise), then with `cites` /cite requests in a loop."""
    texts = pasted_quotes(cites, chars)
    alone: tuple[list[float], list[float]] = ([], [])
    async with httpx.AsyncClient(base_url=url, timeout=60) as light:
        await _probe(light, time.perf_counter() + 3, [], [])  # warm-up: first requests load lazily
        await _probe(light, time.perf_counter() + duration / 2, *alone)
    cite_s: list[float] = []
    health: list[float] = []
    ask: list[float] = []
    statuses: set[int] = set()
    async with httpx.AsyncClient(base_url=url, timeout=300) as heavy, \
            httpx.AsyncClient(base_url=url, timeout=60) as light:
        deadline = time.perf_counter() + duration

        async def citer(text: str) -> None:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                r = await heavy.post("/cite", json={"text": text})
                statuses.add(r.status_code)
                cite_s.append(time.perf_counter() - t)

        async def prober() -> None:
            await asyncio.sleep(0.5)  # the cites are running
            await _probe(light, deadline, health, ask)

        await asyncio.gather(*(citer(t) for t in texts), prober())
    return {"cites_in_parallel": cites, "chars": chars, "cite_statuses": sorted(statuses),
            "cite_ms": summary_ms(cite_s), "healthz_ms": summary_ms(health), "ask_ms": summary_ms(ask),
            "alone": {"healthz_ms": summary_ms(alone[0]), "ask_ms": summary_ms(alone[1])},
            "target_met": bool(health) and max(summary_ms(health)["p99"], summary_ms(ask)["p99"]) < 100}


def run(only: list[str], duration: float, out: Path | None = None, server_env: dict[str, str] | None = None) -> dict:
    """Each part on its own server over its own copy of the index, so no part sees another's writes."""
    result: dict = {}
    for part in only:
        with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp:
            data = Path(tmp) / "data"
            shutil.copytree(REPO_ROOT / "data", data, symlinks=True,
                            ignore=shutil.ignore_patterns("embed-cache", ".write.lock"))
            env = {"RUNRI_DATA_DIR": str(data), "RUNRI_API_TOKEN": TOKEN, "RUNRI_QUERY_CACHE_SIZE": "40",
                   **(server_env or {})}
            with serve(use_cli=True, env=env) as server:
                print(f"== {part}", flush=True)
                if part == "big":
                    result[part] = asyncio.run(big_article(server.url))
                elif part == "mixed":
                    result[part] = asyncio.run(mixed_load(server.url, duration=duration))
                elif part == "cite":
                    result[part] = asyncio.run(heavy_cites(server.url, duration=duration))
                print(result[part], flush=True)
    write_result("writes", {"parts": result, "server_env": server_env or {}}, out)
    return result


def table(result: dict) -> str:
    rows = []
    if "big" in result:
        b = result["big"]
        rows.append(["1 MB article: POST answered", f"{b['status']} in {b['accepted_s']:.2f} s (target <= 1 s)"])
        rows.append(["1 MB article: job done, searchable", f"{b['done_s']:.0f} s, {b['searchable']}"])
        rows.append(["one-sentence writes after it", f"max {b['one_sentence_max_s']:.2f} s (target <= 1 s)"])
    if "mixed" in result:
        m = result["mixed"]
        rows.append(["reads p99, read-only / with 2 % writes (c=16)",
                     f"{m['read_only']['reads']['p99']:.0f} / {m['mixed']['reads']['p99']:.0f} ms = "
                     f"{m['p99_ratio']:.2f}x (target <= 2x); {m['mixed']['writes']} writes, "
                     f"errors {m['read_only']['errors'] + m['mixed']['errors']}"])
    if "cite" in result:
        c = result["cite"]
        rows.append([f"/healthz and /ask p99 during {c['cites_in_parallel']} x {c['chars']}-char /cite",
                     f"{c['healthz_ms'].get('p99', float('nan')):.0f} / {c['ask_ms'].get('p99', float('nan')):.0f} ms "
                     f"(target < 100; without the cites {c['alone']['healthz_ms'].get('p99', float('nan')):.0f} / "
                     f"{c['alone']['ask_ms'].get('p99', float('nan')):.0f} ms); "
                     f"/cite p50 {c['cite_ms'].get('p50', float('nan')):.0f} ms"])
    return markdown_table(["writes and isolation", "result"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.writes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="big,mixed,cite", help="comma list of big, mixed, cite")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per load phase (default 20)")
    parser.add_argument("--set", action="append", default=[], metavar="RUNRI_X=VALUE",
                        help="a server setting for this run (repeatable), e.g. --set RUNRI_CPU_WORKERS=1")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    server_env = dict(item.split("=", 1) for item in args.set)
    result = run([p.strip() for p in args.only.split(",") if p.strip()], args.duration, args.out, server_env)
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
