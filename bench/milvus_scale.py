"""Milvus Lite beside embedded FAISS + bm25s at 100k .. 1M synthetic chunks, in the same run.

Vectors: bench/scale.py's synthetic mixes of the real index's vectors (same seed, same queries: the
118 gold questions plus held-out synthetic vectors). Texts: 2-5 real sentences per chunk, tokenized
as the service does (index/lexical.py) and stored as Milvus BM25 terms (index/milvus.py). Each query
text is a gold question (cycled), so BM25 and hybrid searches have real words to match.

Per size and engine: ingest rate (rows/s, Milvus: insert through pymilvus, then flush + index),
single-query p50/p99 of dense, BM25 and hybrid search (ours: both legs + our RRF; Milvus also
`hybrid_search` with RRFRanker), and dense recall@10 against exact search (FAISS IndexFlatIP).
Milvus uses the service's settings: IVF_FLAT with nlist 4 sqrt(n) above 50k rows, nprobe 8.

    python -m bench.milvus_scale --sizes 100000
    nohup nice -n 10 python -m bench.milvus_scale --sizes 1000000 > bench/results/milvus-1m.log 2>&1 &
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from bench.common import RESULTS, questions, rss_mb, summary_ms, write_result
from bench.scale import question_vectors, real_vectors_and_texts, recall_at, synthetic

DEFAULT_OUT = RESULTS / "milvus-scale.json"


def synthetic_terms(n: int, sentences: list[str], rng: np.random.Generator) -> list[str]:
    from index.milvus import bm25_terms

    sentence_terms = [bm25_terms(s) for s in sentences]
    lengths = rng.integers(2, 6, size=n)
    picks = rng.integers(0, len(sentences), size=int(lengths.sum()))
    out, at = [], 0
    for length in lengths:
        out.append(" ".join(sentence_terms[s] for s in picks[at:at + length]).strip() or "_")
        at += length
    return out


def timed(call, repeat_from: list) -> list[float]:
    times = []
    for item in repeat_from:
        t = time.perf_counter()
        call(item)
        times.append(time.perf_counter() - t)
    return times


def rrf(lists: list[list[int]], k: int = 60) -> list[int]:
    scores: dict[int, float] = {}
    for ranked in lists:
        for rank, i in enumerate(ranked):
            scores[i] = scores.get(i, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores, key=lambda i: (-scores[i], i))


def bench_milvus(x: np.ndarray, terms: list[str], queries: np.ndarray, texts: list[str], truth: np.ndarray,
                 k: int, folder: Path, batch: int) -> dict:
    from pymilvus import AnnSearchRequest, RRFRanker

    from index.milvus import BM25_K1, MilvusConfig, bm25_terms, client_for, create_collection

    config = MilvusConfig(uri=str(folder / "milvus.db"))
    client = client_for(config)
    name = "bench_chunks"
    n = len(x)
    create_collection(client, name, x.shape[1], n, config)
    rss0 = rss_mb()
    t = time.perf_counter()
    for start in range(0, n, batch):
        rows = [{"id": i, "doc_id": f"d{i // 8}", "publication": "", "date": "", "start": 0, "end": 1,
                 "terms": terms[i], "vector": x[i].tolist()} for i in range(start, min(n, start + batch))]
        client.insert(name, rows)
        if start // batch % 25 == 0:
            print(f"      milvus insert {start + len(rows):>9,} rows, {time.perf_counter() - t:6.0f} s", flush=True)
    insert_s = time.perf_counter() - t
    t = time.perf_counter()
    client.flush(name)
    client.load_collection(name)
    client.search(name, data=[queries[0].tolist()], anns_field="vector", limit=k)  # segment indexes built lazily
    index_s = time.perf_counter() - t
    print(f"    milvus ingest {insert_s:.0f} s + flush/index {index_s:.0f} s", flush=True)
    dense_params = {"metric_type": "IP", "params": {"nprobe": 8}}
    found = np.full((len(queries), k), -1, dtype=np.int64)

    def dense(i: int) -> list[int]:
        hits = client.search(name, data=[queries[i].tolist()], anns_field="vector", limit=k,
                             search_params=dense_params)[0]
        ids = [h["id"] for h in hits]
        found[i, :len(ids)] = ids
        return ids

    def lexical(i: int) -> list[int]:
        return [h["id"] for h in client.search(name, data=[bm25_terms(texts[i])], anns_field="sparse", limit=k,
                                               search_params={"metric_type": "BM25"})[0]]

    def ours(i: int) -> list[int]:
        return rrf([dense(i), lexical(i)])

    def server(i: int) -> list[int]:
        requests = [AnnSearchRequest([queries[i].tolist()], "vector", dense_params, k),
                    AnnSearchRequest([bm25_terms(texts[i])], "sparse", {"metric_type": "BM25"}, k)]
        return [h["id"] for h in client.hybrid_search(name, requests, RRFRanker(60), limit=k, output_fields=[])[0]]

    order = list(range(len(queries)))
    for call in (dense, lexical, ours, server):
        call(0)
    result = {"engine": "milvus-lite", "rows": n, "insert_s": round(insert_s, 1), "flush_index_s": round(index_s, 1),
              "ingest_rows_per_s": round(n / (insert_s + index_s), 1), "insert_batch": batch,
              "bm25_k1": BM25_K1, "rss_growth_mb": round(rss_mb() - rss0, 1),
              "disk_mb": round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2 ** 20, 1)}
    for label, call in (("dense", dense), ("bm25", lexical), ("hybrid_ours", ours), ("hybrid_rrf_ranker", server)):
        lat = summary_ms(timed(call, order))
        result[label] = {"p50_ms": lat["p50"], "p99_ms": lat["p99"]}
        print(f"    milvus {label:<18} p50 {lat['p50']:8.2f} ms  p99 {lat['p99']:8.2f} ms", flush=True)
    result["dense"]["recall@10"] = round(recall_at(found, truth, 10), 4)
    client.drop_collection(name)
    return result


def bench_faiss(x: np.ndarray, terms: list[str], queries: np.ndarray, texts: list[str], truth: np.ndarray,
                k: int) -> dict:
    import bm25s

    from index.dense import DenseIndex, IvfParams
    from index.lexical import LexicalIndex, top_k

    n = len(x)
    t = time.perf_counter()
    dense_index = DenseIndex.build(x, 50_000, IvfParams())
    dense_s = time.perf_counter() - t
    t = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index([[w.replace("_", ".") for w in doc.split()] for doc in terms], show_progress=False)
    lexical = LexicalIndex(bm25, n)
    bm25_s = time.perf_counter() - t
    faiss.omp_set_num_threads(1)
    found = np.full((len(queries), k), -1, dtype=np.int64)

    def dense(i: int) -> list[int]:
        ids = dense_index.search(queries[i], k)[1]
        found[i, :len(ids)] = ids
        return ids.tolist()

    def lex(i: int) -> list[int]:
        return top_k(lexical.scores(texts[i]), k)[1].tolist()

    def ours(i: int) -> list[int]:
        return rrf([dense(i), lex(i)])

    result = {"engine": "faiss+bm25s", "rows": n, "dense_build_s": round(dense_s, 1), "bm25_build_s": round(bm25_s, 1),
              "ingest_rows_per_s": round(n / (dense_s + bm25_s), 1)}
    order = list(range(len(queries)))
    for label, call in (("dense", dense), ("bm25", lex), ("hybrid_ours", ours)):
        lat = summary_ms(timed(call, order))
        result[label] = {"p50_ms": lat["p50"], "p99_ms": lat["p99"]}
        print(f"    faiss  {label:<18} p50 {lat['p50']:8.2f} ms  p99 {lat['p99']:8.2f} ms", flush=True)
    result["dense"]["recall@10"] = round(recall_at(found, truth, 10), 4)
    return result


def run(sizes: list[int], n_queries: int, k: int, batch: int, seed: int, out: Path, skip: set[str]) -> dict:
    real, sentences, settings = real_vectors_and_texts()
    q_vectors = question_vectors(settings)
    held_out = synthetic(real, max(0, n_queries - len(q_vectors)), 0.6, np.random.default_rng(seed + 1))
    queries = np.ascontiguousarray(np.vstack([q_vectors, held_out]), dtype=np.float32)
    gold = questions()
    texts = [gold[i % len(gold)] for i in range(len(queries))]
    previous = json.loads(out.read_text()) if out.exists() else {}
    results = previous.get("sizes", {})
    for n in sizes:
        print(f"N = {n:,}", flush=True)
        x = synthetic(real, n, 0.6, np.random.default_rng(seed))
        terms = synthetic_terms(n, sentences, np.random.default_rng(seed + 3))
        flat = faiss.IndexFlatIP(x.shape[1])
        flat.add(x)
        truth = flat.search(queries, k)[1]
        del flat
        entry: dict = {"n": n, "queries": len(queries), "k": k, "nprobe": 8,
                       "loadavg_at_start": [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]}
        if "faiss" not in skip:
            entry["faiss"] = bench_faiss(x, terms, queries, texts, truth, k)
            gc.collect()
        if "milvus" not in skip:
            folder = Path(tempfile.mkdtemp(prefix="runri-milvus-bench-"))
            try:
                entry["milvus"] = bench_milvus(x, terms, queries, texts, truth, k, folder, batch)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        results[str(n)] = entry
        write_result("milvus-scale", {"sizes": dict(sorted(results.items(), key=lambda kv: int(kv[0])))}, out)
        del x, terms
        gc.collect()
    return {"sizes": results}


def _ints(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.milvus_scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=_ints, default=[100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--k", type=int, default=30)
    parser.add_argument("--batch", type=int, default=2000, help="rows per Milvus insert")
    parser.add_argument("--skip", default="", help="faiss and/or milvus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    run(args.sizes, args.queries, args.k, args.batch, args.seed, args.out,
        {s.strip() for s in args.skip.split(",") if s.strip()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
