"""Scale: dense (exact / HNSW / IVF) and BM25 search over synthetic corpora of 10k .. 1M chunks.

Vectors resemble real embeddings: each synthetic vector is a random convex mix (Dirichlet weights) of
2 or 3 real vectors of the built index (its ~156 chunk + ~510 sentence vectors), plus gaussian noise
of norm `--noise`, renormalised. The default noise, 0.6, makes the mean cosine of random pairs match
the real vectors' (~0.23); the JSON records both distributions so the resemblance can be judged.
Uniform random vectors would have no neighbourhood structure and make approximate indexes look broken.

Queries: the embeddings of the 118 gold questions (never in the base) plus held-out synthetic vectors
from another random stream, `--queries` in all. Ground truth: exact inner-product top-k (IndexFlatIP).

For each size: build time, memory (the index's own bytes, and the process RSS growth while building),
single-query search latency with 1 FAISS thread (as the service runs), recall@10 against exact:
  exact   IndexFlatIP
  HNSW    IndexHNSWFlat(M, efConstruction from the settings), efSearch swept (`--ef`)
  IVF     IndexIVFFlat, nlist = 4 * sqrt(N), nprobe swept (`--nprobe`)
  BM25    bm25s over synthetic documents of 2-5 real sentences sampled at random, through the
          project's LexicalIndex (scores + top_k, the query tokenised as in the service)
Searches ask for `--k` results (default: the service's candidate pool, 30), so HNSW's effective ef is
max(efSearch, k); recall@10 compares the first 10 with the exact first 10.

    .venv/bin/python -m bench.scale --sizes 10000,100000
    nohup .venv/bin/python -m bench.scale --sizes 1000000 > bench/results/scale-1m.log 2>&1 &

Results are merged by size into bench/results/scale.json, written after every size (a long run that
is stopped keeps the sizes it finished). Targets at 1M: p50 <= 10 ms at recall@10 >= 0.95; RSS <= 3 GB.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import time
from pathlib import Path

import faiss
import numpy as np

from bench.common import RESULTS, markdown_table, questions, rss_mb, summary_ms, write_result

DEFAULT_OUT = RESULTS / "scale.json"
TARGET_P50_MS, TARGET_RECALL, TARGET_RSS_GB = 10.0, 0.95, 3.0


# ---------------------------------------------------------------- data

def real_vectors_and_texts():
    """The built index's chunk + sentence vectors, its sentence texts, and the settings."""
    from service.index_lifecycle import open_index
    from service.settings import Settings

    settings = Settings()
    index = open_index(settings)
    vectors = np.vstack([index.chunk_vectors.matrix(), index.sentence_vectors.matrix()]).astype(np.float32)
    sentences = [index.text_of(s.doc_id, s.start, s.end) for s in index.sentences]
    return vectors, sentences, settings


def synthetic(real: np.ndarray, n: int, noise: float, rng: np.random.Generator, block: int = 65536) -> np.ndarray:
    """n unit vectors: convex mixes of 2-3 rows of `real` plus gaussian noise of norm ~`noise`."""
    d = real.shape[1]
    out = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, block):
        m = min(block, n - start)
        parents = rng.integers(0, len(real), size=(m, 3))
        weights = rng.dirichlet(np.ones(3), size=m).astype(np.float32)
        weights[rng.random(m) < 0.5, 2] = 0.0  # half the mixes have 2 parents, half 3
        weights /= weights.sum(axis=1, keepdims=True)
        v = (weights[:, 0:1] * real[parents[:, 0]] + weights[:, 1:2] * real[parents[:, 1]]
             + weights[:, 2:3] * real[parents[:, 2]])
        v += rng.standard_normal((m, d), dtype=np.float32) * np.float32(noise / math.sqrt(d))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[start:start + m] = v
    return out


def pair_cosines(x: np.ndarray, rng: np.random.Generator, pairs: int = 20000) -> dict:
    a, b = rng.integers(0, len(x), pairs), rng.integers(0, len(x), pairs)
    keep = a != b
    c = (x[a[keep]] * x[b[keep]]).sum(axis=1)
    return {"mean": round(float(c.mean()), 4), "std": round(float(c.std()), 4)}


def question_vectors(settings) -> np.ndarray:
    from service.index_lifecycle import embedder_for

    return embedder_for(settings).embed(questions())


# ---------------------------------------------------------------- measuring

def recall_at(found: np.ndarray, truth: np.ndarray, at: int) -> float:
    return float(np.mean([len(set(f[:at]) & set(t[:at])) / at for f, t in zip(found, truth)]))


def search_one_by_one(index, queries: np.ndarray, k: int) -> tuple[dict, np.ndarray]:
    """Single-query searches, 1 FAISS thread: latency summary and the ids found."""
    faiss.omp_set_num_threads(1)
    for q in queries[:5]:
        index.search(q[None, :], k)
    ids = np.full((len(queries), k), -1, dtype=np.int64)
    times = []
    for i, q in enumerate(queries):
        t = time.perf_counter()
        _, found = index.search(q[None, :], k)
        times.append(time.perf_counter() - t)
        ids[i] = found[0]
    return summary_ms(times), ids


def point(latency: dict, ids: np.ndarray, truth: np.ndarray, k: int, n_questions: int, **params) -> dict:
    return {**params, "p50_ms": latency["p50"], "p95_ms": latency["p95"], "p99_ms": latency["p99"],
            "recall@10": round(recall_at(ids, truth, 10), 4),
            "recall@10_questions": round(recall_at(ids[:n_questions], truth[:n_questions], 10), 4),
            f"recall@{k}": round(recall_at(ids, truth, k), 4)}


def hnsw_bytes(index: faiss.IndexHNSWFlat) -> int:
    h = index.hnsw
    return (index.ntotal * index.d * 4 + h.neighbors.size() * 4 + h.offsets.size() * 8 + h.levels.size() * 4
            + h.assign_probas.size() * 8 + h.cum_nneighbor_per_level.size() * 4)


def ivf_bytes(index: faiss.IndexIVFFlat) -> int:
    return index.ntotal * (index.d * 4 + 8) + index.nlist * index.d * 4


def bench_dense(x: np.ndarray, queries: np.ndarray, n_questions: int, k: int, build_threads: int,
                hnsw_m: int, ef_construction: int, efs: list[int], nprobes: list[int], skip: set[str],
                storages: list[str] = ()) -> dict:
    n, d = x.shape
    out: dict = {}

    # exact: ground truth (batched, all threads) and single-query latency
    rss0 = rss_mb()
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(d)
    flat.add(x)
    build_s = time.perf_counter() - t
    faiss.omp_set_num_threads(build_threads)
    _, truth = flat.search(queries, k)
    latency, ids = search_one_by_one(flat, queries, k)
    out["exact"] = {"build_s": round(build_s, 2), "index_mb": round(n * d * 4 / 2 ** 20, 1),
                    "rss_growth_mb": round(rss_mb() - rss0, 1),
                    "points": [point(latency, ids, truth, k, n_questions)]}
    print(f"    exact  build {build_s:6.1f} s  p50 {latency['p50']:.2f} ms", flush=True)
    del flat
    gc.collect()

    if "hnsw" not in skip:
        rss0 = rss_mb()
        faiss.omp_set_num_threads(build_threads)
        t = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(d, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = ef_construction
        hnsw.add(x)
        build_s = time.perf_counter() - t
        points = []
        for ef in efs:
            hnsw.hnsw.efSearch = ef
            latency, ids = search_one_by_one(hnsw, queries, k)
            points.append(point(latency, ids, truth, k, n_questions, ef_search=ef))
            print(f"    hnsw   ef {ef:<4} p50 {latency['p50']:.3f} ms  recall@10 {points[-1]['recall@10']:.3f}",
                  flush=True)
        out["hnsw"] = {"m": hnsw_m, "ef_construction": ef_construction, "build_s": round(build_s, 2),
                       "build_threads": build_threads, "index_mb": round(hnsw_bytes(hnsw) / 2 ** 20, 1),
                       "rss_growth_mb": round(rss_mb() - rss0, 1), "points": points}
        print(f"    hnsw   build {build_s:6.1f} s", flush=True)
        del hnsw
        gc.collect()

    if "ivf" not in skip:
        rss0 = rss_mb()
        faiss.omp_set_num_threads(build_threads)
        nlist = max(1, round(4 * math.sqrt(n)))
        t = time.perf_counter()
        quantizer = faiss.IndexFlatIP(d)
        ivf = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.niter = 10
        sample = x if n <= 64 * nlist else x[np.random.default_rng(1).choice(n, 64 * nlist, replace=False)]
        ivf.train(sample)
        train_s = time.perf_counter() - t
        ivf.add(x)
        build_s = time.perf_counter() - t
        points = []
        for nprobe in [p for p in nprobes if p <= nlist]:
            ivf.nprobe = nprobe
            latency, ids = search_one_by_one(ivf, queries, k)
            points.append(point(latency, ids, truth, k, n_questions, nprobe=nprobe))
            print(f"    ivf    nprobe {nprobe:<4} p50 {latency['p50']:.3f} ms  recall@10 {points[-1]['recall@10']:.3f}",
                  flush=True)
        out["ivf"] = {"nlist": nlist, "train_points": len(sample), "kmeans_iterations": 10,
                      "train_s": round(train_s, 2), "build_s": round(build_s, 2), "build_threads": build_threads,
                      "index_mb": round(ivf_bytes(ivf) / 2 ** 20, 1), "rss_growth_mb": round(rss_mb() - rss0, 1),
                      "points": points}
        print(f"    ivf    build {build_s:6.1f} s (train {train_s:.1f} s)", flush=True)
        for storage in storages:
            out[f"ivf_{storage}"] = bench_compact_ivf(x, queries, truth, n_questions, k, ivf, storage, nprobes)
        del ivf, quantizer, sample
        gc.collect()
    return out


def bench_compact_ivf(x: np.ndarray, queries: np.ndarray, truth: np.ndarray, n_questions: int, k: int,
                      trained: faiss.IndexIVFFlat, storage: str, nprobes: list[int]) -> dict:
    """The same IVF lists (the trained coarse quantizer is reused) with compact codes: the recall
    cost of float16 or 8-bit scalar-quantized rows (index/dense.py STORAGE)."""
    from index.dense import STORAGE

    n, d = x.shape
    code = {"float16": faiss.ScalarQuantizer.QT_fp16, "sq8": faiss.ScalarQuantizer.QT_8bit}[storage]
    t = time.perf_counter()
    index = faiss.IndexIVFScalarQuantizer(trained.quantizer, d, trained.nlist, code, faiss.METRIC_INNER_PRODUCT)
    index.train(x[: min(n, 200_000)])  # the quantizer is trained already; this fits the codes' ranges
    index.add(x)
    build_s = time.perf_counter() - t
    points = []
    for nprobe in [p for p in nprobes if p <= trained.nlist]:
        index.nprobe = nprobe
        latency, ids = search_one_by_one(index, queries, k)
        points.append(point(latency, ids, truth, k, n_questions, nprobe=nprobe))
        print(f"    ivf {storage:<7} nprobe {nprobe:<4} p50 {latency['p50']:.3f} ms  recall@10 "
              f"{points[-1]['recall@10']:.3f}", flush=True)
    bytes_per_row = index.code_size + 8
    result = {"storage": storage, "factory": f"IVF{trained.nlist},{STORAGE[storage]}", "build_s": round(build_s, 2),
              "index_mb": round((n * bytes_per_row + trained.nlist * d * 4) / 2 ** 20, 1), "points": points}
    del index
    return result


def bench_bm25(n: int, sentences: list[str], queries: list[str], pool: int, rng: np.random.Generator) -> dict:
    """bm25s over n synthetic documents of 2-5 real sentences; latency of scores + top_k per question."""
    import bm25s

    from index.lexical import LexicalIndex, tokenize, top_k

    t = time.perf_counter()
    sentence_tokens = [tokenize(s) for s in sentences]
    tokenize_s_per_sentence = (time.perf_counter() - t) / len(sentences)
    rss0 = rss_mb()
    lengths = rng.integers(2, 6, size=n)
    picks = rng.integers(0, len(sentences), size=int(lengths.sum()))
    t = time.perf_counter()
    docs, at = [], 0
    for length in lengths:
        tokens: list[str] = []
        for s in picks[at:at + length]:
            tokens.extend(sentence_tokens[s])
        docs.append(tokens or [""])
        at += length
    compose_s = time.perf_counter() - t
    t = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index(docs, show_progress=False)  # as LexicalIndex.build, minus tokenising (reused per sentence)
    index_s = time.perf_counter() - t
    tokens_total = sum(len(doc) for doc in docs)
    del docs
    gc.collect()
    lexical = LexicalIndex(bm25, n)
    matrix_bytes = sum(a.nbytes for a in bm25.scores.values() if isinstance(a, np.ndarray))
    for q in queries[:5]:
        top_k(lexical.scores(q), pool)
    times = []
    for q in queries:
        t = time.perf_counter()
        top_k(lexical.scores(q), pool)
        times.append(time.perf_counter() - t)
    latency = summary_ms(times)
    result = {"documents": n, "tokens": tokens_total, "vocabulary": len(bm25.vocab_dict),
              "index_s": round(index_s, 2), "compose_docs_s": round(compose_s, 2),
              "tokenize_s_estimated": round(tokenize_s_per_sentence * len(picks), 1),
              "matrix_mb": round(matrix_bytes / 2 ** 20, 1), "rss_growth_mb": round(rss_mb() - rss0, 1),
              "p50_ms": latency["p50"], "p95_ms": latency["p95"], "p99_ms": latency["p99"]}
    print(f"    bm25   index {index_s:6.1f} s  p50 {latency['p50']:.2f} ms  p99 {latency['p99']:.2f} ms", flush=True)
    del lexical, bm25
    gc.collect()
    return result


# ---------------------------------------------------------------- driver

def best_point(points: list[dict], recall: float = TARGET_RECALL) -> dict | None:
    """The fastest point (by p50) that reaches `recall`@10."""
    ok = [p for p in points if p["recall@10"] >= recall]
    return min(ok, key=lambda p: p["p50_ms"]) if ok else None


def run(sizes: list[int], noise: float = 0.6, n_queries: int = 300, k: int | None = None,
        efs: list[int] = (32, 64, 128, 256, 512), nprobes: list[int] = (1, 4, 8, 16, 32, 64, 128),
        build_threads: int | None = None, bm25_max: int = 1_000_000, skip: set[str] = frozenset(),
        seed: int = 0, out: Path = DEFAULT_OUT, hnsw_m: int = 32, ef_construction: int = 80,
        storages: list[str] = ("float16", "sq8")) -> dict:
    real, sentences, settings = real_vectors_and_texts()
    sentences_per_chunk = len(sentences) / (len(real) - len(sentences))
    k = k or settings.candidate_pool
    build_threads = build_threads or len(os.sched_getaffinity(0))
    qs = questions()
    q_vectors = question_vectors(settings)
    held_out = synthetic(real, max(0, n_queries - len(q_vectors)), noise, np.random.default_rng(seed + 1))
    queries = np.ascontiguousarray(np.vstack([q_vectors, held_out]), dtype=np.float32)

    previous = json.loads(out.read_text()) if out.exists() else {}
    results: dict = previous.get("sizes", {})
    params = {"noise": noise, "queries": len(queries), "question_queries": len(q_vectors), "k": k,
              "seed": seed, "real_vectors": len(real), "build_threads": build_threads,
              "search_threads": 1, "ef_search": list(efs), "nprobe": list(nprobes)}
    stats_rng = np.random.default_rng(seed + 2)
    for n in sizes:
        print(f"N = {n:,}", flush=True)
        started = time.perf_counter()
        t = time.perf_counter()
        x = synthetic(real, n, noise, np.random.default_rng(seed))
        entry: dict = {"n": n, **params, "generate_s": round(time.perf_counter() - t, 2),
                       "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                       "loadavg_at_start": [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]],
                       "resemblance": {"real_pair_cosine": pair_cosines(real, stats_rng),
                                       "synthetic_pair_cosine": pair_cosines(x, stats_rng)}}
        if "dense" not in skip:
            entry["dense"] = bench_dense(x, queries, len(q_vectors), k, build_threads, hnsw_m,
                                         ef_construction, list(efs), list(nprobes), skip, list(storages))
        del x
        gc.collect()
        if "bm25" not in skip:
            if n <= bm25_max:
                entry["bm25"] = bench_bm25(n, sentences, qs, k, np.random.default_rng(seed + 3))
            else:
                entry["bm25"] = {"skipped": f"above --bm25-max {bm25_max}"}
        entry["peak_rss_mb_so_far"] = round(_peak_rss_mb(), 1)
        entry["seconds"] = round(time.perf_counter() - started, 1)
        entry["verdict"] = verdict(entry)
        entry["service_memory_model_mb"] = memory_model(entry, sentences_per_chunk, d=real.shape[1])
        results[str(n)] = entry
        write_result("scale", {"sizes": dict(sorted(results.items(), key=lambda kv: int(kv[0])))}, out)
        print(f"  done in {entry['seconds']:.0f} s; written to {out}", flush=True)
    return {"sizes": results}


def verdict(entry: dict) -> dict:
    """Which dense configuration meets p50 <= 10 ms at recall@10 >= 0.95, and the service's default."""
    v: dict = {}
    dense = entry.get("dense", {})
    for kind in ("exact", "hnsw", "ivf", "ivf_float16", "ivf_sq8"):
        if kind in dense:
            best = best_point(dense[kind]["points"])
            v[kind] = (None if best is None else
                       {**{key: best[key] for key in ("ef_search", "nprobe") if key in best},
                        "p50_ms": best["p50_ms"], "recall@10": best["recall@10"],
                        "meets_latency": best["p50_ms"] <= TARGET_P50_MS, "index_mb": dense[kind]["index_mb"]})
    return v


def memory_model(entry: dict, sentences_per_chunk: float, d: int) -> dict:
    """What the service would hold at this size with today's layout: the chunk index (IVF above the
    threshold), the sentence vectors once (the scorer reads rows from the index), BM25's matrix, plus
    the process at rest today (model, torch, Python; bench/results/http.json or build.json when
    present). Chunk texts, sentence token sets and JSONL rows are not counted."""
    n = entry["n"]
    sentences = round(n * sentences_per_chunk)
    dense = entry.get("dense", {})
    chunk_index = dense.get("ivf", dense.get("exact", {})).get("index_mb", 0.0)
    parts = {"process_at_rest_today": _rest_rss_mb(), "chunk_index": chunk_index,
             "sentence_vectors": round(sentences * d * 4 / 2 ** 20, 1),
             "bm25_matrix": entry.get("bm25", {}).get("matrix_mb", 0.0)}
    return {"sentences_estimated": sentences, **parts, "total": round(sum(parts.values()), 1),
            "target_gb": TARGET_RSS_GB}


def _rest_rss_mb() -> float:
    for name, path in (("http", ("runs", 0, "rss_mb_at_rest")), ("build", ("startup", "rss_mb_ready"))):
        try:
            value = json.loads((RESULTS / f"{name}.json").read_text())
            for key in path:
                value = value[key]
            return float(value)
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            continue
    return 600.0  # measured on the 2-core machine when no result file is there


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def table(result: dict) -> str:
    rows = []
    for n, e in sorted(result["sizes"].items(), key=lambda kv: int(kv[0])):
        dense = e.get("dense", {})
        for kind in ("exact", "hnsw", "ivf", "ivf_float16", "ivf_sq8"):
            if kind not in dense:
                continue
            info = dense[kind]
            for p in info["points"]:
                knob = (f"efSearch {p['ef_search']}" if "ef_search" in p else f"nprobe {p['nprobe']}"
                        if "nprobe" in p else "-")
                rows.append([f"{int(n):,}", kind, knob, p["p50_ms"], p["recall@10"], info["build_s"],
                             info["index_mb"]])
        bm = e.get("bm25", {})
        if "p50_ms" in bm:
            rows.append([f"{int(n):,}", "bm25 (bm25s)", "-", bm["p50_ms"], "-", bm["index_s"], bm["matrix_mb"]])
    return markdown_table(["chunks", "index", "setting", "p50 ms (1 thread)", "recall@10", "build s",
                           "index MiB"], rows)


def _ints(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=_ints, default=[10_000, 100_000], help="default 10000,100000")
    parser.add_argument("--noise", type=float, default=0.6, help="norm of the gaussian noise (default 0.6)")
    parser.add_argument("--queries", type=int, default=300, help="118 gold questions + held-out synthetic")
    parser.add_argument("--k", type=int, help="results per search (default: the candidate pool, 30)")
    parser.add_argument("--hnsw-m", type=int, default=32, help="HNSW M (compared with IVF; default 32)")
    parser.add_argument("--ef-construction", type=int, default=80, help="HNSW efConstruction (default 80)")
    parser.add_argument("--ef", type=_ints, default=[32, 64, 128, 256, 512], help="HNSW efSearch values")
    parser.add_argument("--nprobe", type=_ints, default=[1, 4, 8, 16, 32, 64, 128], help="IVF nprobe values")
    parser.add_argument("--build-threads", type=int, help="FAISS threads for building (default: all cores)")
    parser.add_argument("--bm25-max", type=int, default=1_000_000, help="largest size to build BM25 for")
    parser.add_argument("--skip", default="", help="comma list of hnsw, ivf, bm25")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--storage", default="float16,sq8", help="compact IVF codes to compare (float16, sq8)")
    args = parser.parse_args(argv)
    result = run(args.sizes, args.noise, args.queries, args.k, args.ef, args.nprobe, args.build_threads,
                 args.bm25_max, {s.strip() for s in args.skip.split(",") if s.strip()}, args.seed, args.out,
                 args.hnsw_m, args.ef_construction, [s for s in args.storage.split(",") if s.strip()])
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
