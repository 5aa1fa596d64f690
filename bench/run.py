"""`make bench`: every benchmark in turn, then one summary table.

  query   in-process /ask and /search, stage by stage           -> bench/results/query.json
  http    uvicorn on 127.0.0.1, closed-loop load at 1, 8, 32      -> bench/results/http.json
  build   index build into a temp dir; start-up to /readyz 200    -> bench/results/build.json
  scale   synthetic 10k and 100k chunks: exact / HNSW / IVF, BM25 -> bench/results/scale.json
  cite    /cite time against the pasted text's length, to 5,000  -> bench/results/cite.json
  writes  a 1 MB article as a job; reads under 2 % writes at
          concurrency 16; /healthz and /ask during 3 long /cite  -> bench/results/writes.json

    .venv/bin/python -m bench.run [--only query,http] [--workers 1,2] [--duration 10] [--sizes 10000,100000]

1M chunks takes several minutes to build on 2 cores: `make bench-scale SIZES=1000000`.
"""

from __future__ import annotations

import argparse
import json
import time

from bench import build_startup, cite_cost, http_load, query, scale, writes
from bench.common import RESULTS, machine, markdown_table

ALL = ("query", "http", "build", "scale", "cite", "writes")


def summary() -> str:
    """The headline figures from whatever results are in bench/results."""
    rows = []

    def load(name: str) -> dict | None:
        path = RESULTS / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else None

    q = load("query")
    if q:
        u = q["uncached"]
        for name, label in (("ask", "/ask in process"), ("ask_zh", "/ask in process, Chinese question"),
                            ("ask_ja", "/ask in process, Japanese question"), ("search", "/search in process"),
                            ("embedding", "query embedding (model)"), ("cite", "citation lookup (engine.cite)")):
            if name in u and u[name].get("n"):
                rows.append([label, f"{u[name]['p50']:.1f} / {u[name]['p95']:.1f} / {u[name]['p99']:.1f} ms"])
        r = q["ratios"]
        rows.append(["/ask p50 / embedding p50 (target <= 1.3)", f"{r['ask_p50_over_embedding_p50']:.2f}"])
        rows.append(["/ask p99 / embedding p50 (target <= 2.0)", f"{r['ask_p99_over_embedding_p50']:.2f}"])
        for lang, label in (("zh", "Chinese"), ("ja", "Japanese")):
            if f"ask_{lang}_p50_over_ask_p50" in r:
                rows.append([f"/ask p50, {label} / English (target <= 1.5)", f"{r[f'ask_{lang}_p50_over_ask_p50']:.2f}"])
        c = q["cached"]["ask"]
        rows.append(["/ask in process, embedding cached", f"{c['p50']:.2f} / {c['p95']:.2f} / {c['p99']:.2f} ms"])
    h = load("http")
    if h:
        for run in h["runs"]:
            for level in run["levels"]:
                lat = level["latency_ms"]
                rows.append([f"HTTP {'POST /ask' if level['endpoint'] == 'ask' else 'GET /search'}, "
                             f"{run['workers']} worker(s), concurrency {level['concurrency']}",
                             f"{level['throughput_rps']:.0f} req/s, p50 {lat.get('p50', float('nan')):.1f} ms, "
                             f"p99 {lat.get('p99', float('nan')):.1f} ms, {level['errors']} errors"])
            peak = max(level["rss_mb_peak"] for level in run["levels"])
            rows.append([f"server RSS, {run['workers']} worker(s)", f"{run['rss_mb_at_rest']:.0f} MiB at rest, "
                         f"{peak:.0f} MiB peak under load"])
    b = load("build")
    if b:
        if "build" in b:
            rows.append(["index build (5 articles)", f"{b['build']['median_total_s']:.1f} s, "
                         f"{b['build']['median_chunks_per_s']:.1f} chunks/s "
                         f"({b['build']['runs'][0]['chunks']} chunks + {b['build']['runs'][0]['sentences']} sentences)"])
        if "startup" in b:
            rows.append(["start-up, `runri serve` to /readyz 200", f"{b['startup']['median_readyz_s']:.1f} s "
                         f"(/healthz after {b['startup']['median_healthz_s']:.1f} s)"])
    s = load("scale")
    if s:
        for n, e in sorted(s["sizes"].items(), key=lambda kv: int(kv[0])):
            v = e.get("verdict", {})
            parts = []
            exact = e.get("dense", {}).get("exact", {}).get("points", [{}])[0]
            if exact:
                parts.append(f"exact {exact['p50_ms']:.2f} ms")
            for kind, knob in (("hnsw", "ef_search"), ("ivf", "nprobe")):
                if v.get(kind):
                    parts.append(f"{kind} {v[kind]['p50_ms']:.2f} ms at recall@10 {v[kind]['recall@10']:.3f} "
                                 f"({knob.replace('_', '')} {v[kind][knob]})")
            if "p50_ms" in e.get("bm25", {}):
                parts.append(f"bm25 {e['bm25']['p50_ms']:.2f} ms")
            rows.append([f"scale {int(n):,} chunks, p50 search (1 thread)", "; ".join(parts)])
            mem = e.get("service_memory_model_mb")
            if mem:
                rows.append([f"scale {int(n):,} chunks, service memory (model)", f"{mem['total'] / 1024:.2f} GB"])
    c = load("cite")
    if c:
        worst = c["worst_at_longest"]
        rows.append([f"/cite, {worst['length']:,} characters, slowest kind of text (target <= {c['target_s']:g} s)",
                     f"{worst['kind']}: {worst['max_s']:.2f} s; growth with length "
                     f"{max(c['growth'].values()):.2f} (1 = linear)"])
    w = load("writes")
    if w:
        rows += [row for row in _markdown_rows(writes.table(w["parts"]))]
    return markdown_table(["benchmark", "result"], rows)


def _markdown_rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(ALL), help=f"comma list of {', '.join(ALL)}")
    parser.add_argument("--repeats", type=int, default=3, help="query passes / builds / start-ups (default 3)")
    parser.add_argument("--workers", type=http_load._ints, default=[1, 2], help="uvicorn workers (default 1,2)")
    parser.add_argument("--concurrency", type=http_load._ints, default=[1, 8, 32])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per HTTP load level (default 10)")
    parser.add_argument("--sizes", type=scale._ints, default=[10_000, 100_000], help="scale sizes")
    parser.add_argument("--profile", action="store_true", help="cProfile the /ask loop too")
    parser.add_argument("--py-spy", metavar="BINARY", help="py-spy binary: profile the server under load")
    args = parser.parse_args(argv)
    chosen = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = set(chosen) - set(ALL)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    m = machine()
    print(f"machine: {m['nproc']} cores, {m['cpu_model']}, {m['ram_gb']} GB RAM, load {m['loadavg_at_start']}")
    started = time.perf_counter()
    failed = False
    if "query" in chosen:
        print("== query path, in process", flush=True)
        print(query.table(query.run(args.repeats, profile=args.profile)))
    if "http" in chosen:
        print("== HTTP load on 127.0.0.1", flush=True)
        result = http_load.run(args.workers, args.concurrency, args.duration, py_spy=args.py_spy)
        print(http_load.table(result))
        failed |= result["total_errors"] > 0
    if "build" in chosen:
        print("== index build and start-up", flush=True)
        print(build_startup.table(build_startup.run(args.repeats)))
    if "scale" in chosen:
        print("== scale (synthetic corpora)", flush=True)
        print(scale.table(scale.run(args.sizes)))
    if "cite" in chosen:
        print("== /cite against the text's length", flush=True)
        print(cite_cost.table(cite_cost.run([500, 1000, 2000, 3000, 4000, 5000], args.repeats)))
    if "writes" in chosen:
        print("== writes as jobs, readers beside writers, /cite beside the rest", flush=True)
        print(writes.table(writes.run(["big", "mixed", "cite"], max(args.duration, 20))))
    print(f"\n== summary ({time.perf_counter() - started:.0f} s; results in {RESULTS.relative_to(RESULTS.parents[1])}/)")
    print(summary())
    if failed:
        print("FAILED: HTTP errors (0 required)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
