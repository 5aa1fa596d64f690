"""Index build and service start-up.

build     service.index_lifecycle.build(settings, force=True) into a temporary data dir, `--repeats` times, with
          the model already loaded (its load time is reported on its own): total seconds, chunks per
          second, and the share of the build spent embedding chunks and sentences.
startup   `runri serve` (the command users run) on a free 127.0.0.1 port with the real built index:
          wall time from process start to the first /healthz answer and to /readyz 200, and the
          server's RSS once ready; `--repeats` times.

    .venv/bin/python -m bench.build_startup [--repeats 3] [--skip-build] [--skip-startup]

Writes bench/results/build.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import markdown_table, rss_mb, serve, tree_rss_mb, write_result


def bench_build(repeats: int) -> dict:
    from service.index_lifecycle import build, embedder_for
    from service.settings import Settings

    with tempfile.TemporaryDirectory(prefix="runri-bench-build-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        from index.embed import load_embedder

        load_embedder.cache_clear()  # measure a real model load even when this process loaded one before
        rss_before = rss_mb()
        t = time.perf_counter()
        embedder = embedder_for(settings)
        model_load_s = time.perf_counter() - t
        embedder.embed(["warm up"])
        documents: dict = {}
        runs = []
        for _ in range(repeats):
            t = time.perf_counter()
            index, built = build(settings, force=True)
            total = time.perf_counter() - t
            assert built
            counts = index.manifest.counts
            documents = index.documents
            chunk_texts = [c.text for c in index.chunks]
            sentence_texts = [index.text_of(s.doc_id, s.start, s.end) for s in index.sentences]
            t = time.perf_counter()
            embedder.embed(chunk_texts)
            embed_chunks = time.perf_counter() - t
            t = time.perf_counter()
            embedder.embed(sentence_texts)
            embed_sentences = time.perf_counter() - t
            runs.append({"total_s": round(total, 3), "manifest_build_s": index.manifest.build_seconds,
                         "chunks": counts["chunks"], "sentences": counts["sentences"],
                         "chunks_per_s": round(counts["chunks"] / total, 1),
                         "texts_embedded_per_s": round((counts["chunks"] + counts["sentences"]) / total, 1),
                         "embed_chunks_s": round(embed_chunks, 3), "embed_sentences_s": round(embed_sentences, 3),
                         "embedding_share": round((embed_chunks + embed_sentences) / total, 3)})
            del index
        sizes = sum(f.stat().st_size for f in (Path(tmp) / "index").resolve().rglob("*") if f.is_file())
    median = statistics.median(r["total_s"] for r in runs)
    return {"documents": len(documents), "corpus_chars": sum(len(d.text) for d in documents.values()),
            "model_load_s": round(model_load_s, 2), "rss_mb_model_loaded_delta": round(rss_mb() - rss_before, 1),
            "index_bytes_on_disk": sizes, "runs": runs, "median_total_s": median,
            "median_chunks_per_s": round(runs[0]["chunks"] / median, 1)}


def bench_startup(repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        with serve(use_cli=True) as server:
            runs.append({"healthz_s": round(server.alive_s, 3), "readyz_s": round(server.ready_s, 3),
                         "rss_mb_ready": tree_rss_mb(server.pid)})
    return {"command": "runri serve --host 127.0.0.1 --port <free>", "runs": runs,
            "median_readyz_s": round(statistics.median(r["readyz_s"] for r in runs), 3),
            "median_healthz_s": round(statistics.median(r["healthz_s"] for r in runs), 3),
            "rss_mb_ready": max(r["rss_mb_ready"] for r in runs)}


def run(repeats: int = 3, do_build: bool = True, do_startup: bool = True, out: Path | None = None) -> dict:
    started = time.perf_counter()
    payload: dict = {}
    if do_startup:  # first, while this process holds no model (it does not matter to a subprocess, but RAM)
        payload["startup"] = bench_startup(repeats)
    if do_build:
        payload["build"] = bench_build(repeats)
    payload["seconds"] = round(time.perf_counter() - started, 1)
    write_result("build", payload, out)
    return payload


def table(result: dict) -> str:
    rows = []
    if "build" in result:
        b = result["build"]
        r = b["runs"][0]
        rows += [["index build (median total)", f"{b['median_total_s']:.2f} s"],
                 ["chunks / sentences", f"{r['chunks']} / {r['sentences']}"],
                 ["chunks per second", f"{b['median_chunks_per_s']:.1f}"],
                 ["share of build spent embedding", f"{statistics.median(x['embedding_share'] for x in b['runs']):.0%}"],
                 ["model load (not in build time)", f"{b['model_load_s']:.2f} s"]]
    if "startup" in result:
        s = result["startup"]
        rows += [["start-up: process start to /healthz", f"{s['median_healthz_s']:.2f} s"],
                 ["start-up: process start to /readyz 200", f"{s['median_readyz_s']:.2f} s"],
                 ["server RSS when ready", f"{s['rss_mb_ready']:.0f} MiB"]]
    return markdown_table(["build / start-up", "value"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.build_startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.repeats, not args.skip_build, not args.skip_startup, args.out)
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
