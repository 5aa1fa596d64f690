"""BEIR SciFact (test split, 300 claims over 5,183 abstracts) through runri-qa's own retrieval stack.

Why: the eval suite only scores our own news corpus; this checks that the stages the service uses
(BM25 from index.lexical, all-MiniLM-L6-v2 from index.embed + FAISS from index.dense, RRF from
service.fuse) land where published systems do on a public benchmark. Documents are title + " " + text
for both legs; metrics are ranx's nDCG@10 and Recall@100 over the top 100 of each mode (hybrid fuses
the top 1000 of each leg). The data is read in place, never copied into the repo.

    make bench-beir                                  # = .venv/bin/python -m bench.beir --sentence-leg
    .venv/bin/python -m bench.beir --bm25-k1 0.9 --bm25-b 0.4 --out bench/results/beir-scifact-anserini.json

With --sentence-leg it also scores the dense leg as the service runs it: abstracts ranked by their own
vector and by their best sentence's (the service's sentence splitter), fused; alone and with BM25.

Writes bench/results/beir-scifact.json and prints a markdown table. Corpus (and sentence) vectors are
cached in bench/results/scifact-*-vectors.npy (keyed by corpus hash, model path and max length; --no-cache).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import torch
from ranx import Qrels, Run, evaluate
from tqdm import tqdm

from index.dense import DenseIndex
from index.embed import SentenceTransformerEmbedder, load_embedder
from index.lexical import LexicalIndex, tokenize
from index.sentences import split_sentences
from service.fuse import reciprocal_rank_fusion
from service.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "bench-data" / "scifact"
RESULTS = REPO_ROOT / "bench" / "results"
METRICS = ["ndcg@10", "recall@100"]
MODES = ["lexical", "dense", "hybrid"]
# With --sentence-leg: the dense leg as the service runs it, each abstract ranked by its own vector and
# by its best sentence's, fused (service/retrieve.py), alone and fused with BM25.
SENTENCE_MODES = ["dense+sentences", "hybrid+sentences"]
SENTENCE_POOL_FACTOR = 3  # sentences searched per document wanted, as the service does
TOP, POOL = 100, 1000  # evaluated depth; depth of each leg fed to the fusion
# From the data set's README.md: (nDCG@10, Recall@100, system).
PUBLISHED: dict[str, tuple[float, float, str]] = {
    "lexical": (0.6789, 0.9253, "Anserini BM25 flat"),
    "dense": (0.6451, 0.925, "MTEB all-MiniLM-L6-v2"),
}

Qrel = dict[str, dict[str, int]]


def load(data: Path) -> tuple[list[str], list[str], dict[str, str], Qrel]:
    """(doc ids, doc texts, test queries by id, qrels) from a BEIR folder."""
    docs = [json.loads(line) for line in (data / "corpus.jsonl").open(encoding="utf-8")]
    qrels: Qrel = {}
    for line in (data / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, did, score = line.split("\t")
        qrels.setdefault(qid, {})[did] = int(score)
    queries = {}
    for line in (data / "queries.jsonl").open(encoding="utf-8"):
        query = json.loads(line)
        if query["_id"] in qrels:
            queries[query["_id"]] = query["text"]
    texts = [(d["title"] + " " + d["text"]).strip() for d in docs]
    return [d["_id"] for d in docs], texts, queries, qrels


def build_lexical(texts: list[str], k1: float | None, b: float | None) -> LexicalIndex:
    """The project's LexicalIndex as shipped (bm25s defaults) unless BM25 parameters are given."""
    if k1 is None and b is None:
        return LexicalIndex.build(texts)
    bm25 = bm25s.BM25(k1=1.5 if k1 is None else k1, b=0.75 if b is None else b)
    bm25.index([tokenize(t) or [""] for t in texts], show_progress=False)  # same as LexicalIndex.build
    return LexicalIndex(bm25, len(texts))


def corpus_vectors(embedder: SentenceTransformerEmbedder, texts: list[str], corpus_file: Path,
                   model_path: Path, use_cache: bool, batch: int = 256) -> tuple[np.ndarray, float, bool]:
    """(vectors, seconds spent embedding, whether they came from the cache)."""
    key = hashlib.sha256(corpus_file.read_bytes()).hexdigest() + f"|{model_path}|{embedder.max_tokens}"
    stem = "scifact-corpus-vectors" + ("" if embedder.max_tokens == 256 else f"-{embedder.max_tokens}")
    npy, meta = RESULTS / f"{stem}.npy", RESULTS / f"{stem}.json"
    if use_cache and npy.exists() and meta.exists():
        saved = json.loads(meta.read_text())
        if saved.get("key") == key:
            return np.load(npy), float(saved["embed_s"]), True
    start = time.perf_counter()
    parts = []
    with tqdm(total=len(texts), desc="embedding corpus", unit="doc") as bar:
        for i in range(0, len(texts), batch):
            parts.append(embedder.embed(texts[i : i + batch]))
            bar.update(len(parts[-1]))
    vectors, seconds = np.concatenate(parts), time.perf_counter() - start
    if use_cache:
        np.save(npy, vectors)
        meta.write_text(json.dumps({"key": key, "embed_s": seconds, "shape": list(vectors.shape)}))
    return vectors, seconds, False


def sentence_vectors(embedder: SentenceTransformerEmbedder, texts: list[str], corpus_file: Path,
                     model_path: Path, use_cache: bool) -> tuple[np.ndarray, np.ndarray]:
    """(vectors of every sentence of every document, the document row of each), split by the service's
    own sentence splitter and cached like the document vectors."""
    spans = [(row, text[s.start:s.end]) for row, text in enumerate(texts) for s in split_sentences(text)]
    owners = np.array([row for row, _ in spans], dtype=np.int64)
    key = hashlib.sha256(corpus_file.read_bytes()).hexdigest() + f"|{model_path}|{embedder.max_tokens}|sentences"
    npy, meta = RESULTS / "scifact-sentence-vectors.npy", RESULTS / "scifact-sentence-vectors.json"
    if use_cache and npy.exists() and meta.exists() and json.loads(meta.read_text()).get("key") == key:
        return np.load(npy), owners
    parts = []
    with tqdm(total=len(spans), desc="embedding sentences", unit="sentence") as bar:
        for i in range(0, len(spans), 256):
            parts.append(embedder.embed([t for _, t in spans[i : i + 256]]))
            bar.update(len(parts[-1]))
    vectors = np.concatenate(parts)
    if use_cache:
        np.save(npy, vectors)
        meta.write_text(json.dumps({"key": key, "shape": list(vectors.shape)}))
    return vectors, owners


def by_best_sentence(sentences: DenseIndex, owners: np.ndarray, vector: np.ndarray, n: int) -> list[int]:
    """Documents in the order of their best sentence, at most n."""
    order: dict[int, None] = {}
    for row in sentences.search(vector, n * SENTENCE_POOL_FACTOR)[1]:
        order.setdefault(int(owners[int(row)]), None)
    return list(order)[:n]


def token_lengths(embedder: SentenceTransformerEmbedder, texts: list[str]) -> dict[str, Any]:
    """How many documents the model truncates (word-pieces incl. [CLS]/[SEP] vs max_seq_length)."""
    tokenizer = embedder._model.tokenizer
    lengths = np.array([len(ids) for ids in tokenizer(texts, verbose=False)["input_ids"]])
    over = lengths > embedder.max_tokens
    return {"max_tokens": embedder.max_tokens, "docs_over": int(over.sum()), "share_over": float(over.mean()),
            "median_tokens": float(np.median(lengths)), "p90_tokens": float(np.percentile(lengths, 90)),
            "max_doc_tokens": int(lengths.max())}


def stats_ms(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"mean": float(ms.mean()), "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.beir", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="BEIR SciFact folder")
    parser.add_argument("--out", type=Path, default=RESULTS / "beir-scifact.json")
    parser.add_argument("--no-cache", action="store_true", help="re-embed the corpus, write no cache")
    parser.add_argument("--bm25-k1", type=float, default=None, help="default: bm25s's 1.5 (as the service)")
    parser.add_argument("--bm25-b", type=float, default=None, help="default: bm25s's 0.75 (as the service)")
    parser.add_argument("--max-seq-length", type=int, default=None, help="dense truncation (model: 256)")
    parser.add_argument("--rrf-k", type=int, default=Settings().rrf_k)
    parser.add_argument("--sentence-leg", action="store_true",
                        help="also score the dense leg with sentence vectors, as the service does")
    parser.add_argument("--compute", choices=["float32", "bfloat16"], default="float32",
                        help="as RUNRI_BUILD_COMPUTE: bfloat16 embeds on every core with bfloat16 matrix products "
                             "(use with --no-cache: the cache holds float32 vectors)")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch intra-op threads (default: as index.embed sets them)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="unsafe cast", module="ranx")  # numba noise in ranx's ndcg
    needed = [args.data / "corpus.jsonl", args.data / "queries.jsonl", args.data / "qrels" / "test.tsv"]
    if missing := [str(p) for p in needed if not p.is_file()]:
        print(f"BEIR SciFact data not found: missing {', '.join(missing)}\n"
              f"Put the data set in {DEFAULT_DATA} or pass --data PATH.", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    doc_ids, texts, queries, qrels = load(args.data)
    timings: dict[str, Any] = {}

    start = time.perf_counter()
    lexical = build_lexical(texts, args.bm25_k1, args.bm25_b)
    timings["lexical_build_s"] = time.perf_counter() - start

    model_path = Settings().resolved_model_path()
    start = time.perf_counter()
    if args.compute == "bfloat16" and not args.no_cache:
        parser.error("--compute bfloat16 needs --no-cache (the cached vectors are float32)")
    embedder = (load_embedder(model_path, 64) if args.compute == "float32" else
                load_embedder(model_path, 64, batch_threads=len(os.sched_getaffinity(0)), compute="bfloat16"))
    timings["model_load_s"] = time.perf_counter() - start
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    if args.max_seq_length:
        embedder._model.max_seq_length = embedder.max_tokens = args.max_seq_length
    vectors, timings["corpus_embed_s"], timings["corpus_embed_cached"] = corpus_vectors(
        embedder, texts, args.data / "corpus.jsonl", model_path, not args.no_cache)
    start = time.perf_counter()
    dense = DenseIndex.build(vectors, approximate_threshold=10**9)
    timings["dense_build_s"] = time.perf_counter() - start

    modes = MODES + (SENTENCE_MODES if args.sentence_leg else [])
    if args.sentence_leg:
        sentence_matrix, owners = sentence_vectors(embedder, texts, args.data / "corpus.jsonl", model_path,
                                                   not args.no_cache)
        sentences = DenseIndex.build(sentence_matrix, approximate_threshold=10**9)
    runs: dict[str, dict[str, dict[str, float]]] = {mode: {} for mode in modes}
    latency: dict[str, list[float]] = {mode: [] for mode in modes}
    for qid, text in tqdm(queries.items(), desc="queries", unit="q"):
        t0 = time.perf_counter()
        lex_ids = lexical.search(text, TOP)[1]
        t1 = time.perf_counter()
        vector = embedder.embed([text])[0]
        t2 = time.perf_counter()
        dense_ids = dense.search(vector, TOP)[1]
        t3 = time.perf_counter()
        pools = [lexical.search(text, POOL)[1].tolist(), dense.search(vector, POOL)[1].tolist()]
        hybrid_ids = [row for row, _ in reciprocal_rank_fusion(pools, k=args.rrf_k)[:TOP]]
        t4 = time.perf_counter()
        latency["lexical"].append(t1 - t0)
        latency["dense"].append(t3 - t1)
        latency["hybrid"].append(t4 - t3 + t2 - t1)  # both pools + fusion + the query embedding
        found = {"lexical": lex_ids, "dense": dense_ids, "hybrid": hybrid_ids}
        if args.sentence_leg:
            t5 = time.perf_counter()
            dense_pool = [row for row, _ in reciprocal_rank_fusion(
                [pools[1], by_best_sentence(sentences, owners, vector, POOL)], k=args.rrf_k)][:POOL]
            found["dense+sentences"] = dense_pool[:TOP]
            found["hybrid+sentences"] = [row for row, _ in reciprocal_rank_fusion([pools[0], dense_pool],
                                                                                  k=args.rrf_k)[:TOP]]
            latency["dense+sentences"].append(time.perf_counter() - t5 + t3 - t1)
            latency["hybrid+sentences"].append(time.perf_counter() - t5 + t4 - t3 + t2 - t1)
        for mode, ids in found.items():
            # Scores from ranks: ranx then sees exactly our order (no re-sorting of tied scores).
            runs[mode][qid] = {doc_ids[int(row)]: float(len(ids) - rank) for rank, row in enumerate(ids)}

    results: dict[str, Any] = {}
    for mode in modes:
        scores = evaluate(Qrels(qrels), Run(runs[mode], name=mode), METRICS, make_comparable=True)
        entry: dict[str, Any] = {m: float(scores[m]) for m in METRICS}
        if mode in PUBLISHED:
            ndcg, recall, system = PUBLISHED[mode]
            entry["published"] = {"ndcg@10": ndcg, "recall@100": recall, "system": system}
            entry["delta"] = {"ndcg@10": entry["ndcg@10"] - ndcg, "recall@100": entry["recall@100"] - recall}
        results[mode] = entry | {"latency_ms": stats_ms(latency[mode])}

    report = {
        "dataset": "BEIR SciFact, test split", "data": str(args.data.resolve()),
        "docs": len(texts), "queries": len(queries),
        "config": {"bm25_k1": 1.5 if args.bm25_k1 is None else args.bm25_k1,
                   "bm25_b": 0.75 if args.bm25_b is None else args.bm25_b, "rrf_k": args.rrf_k,
                   "top": TOP, "fusion_pool": POOL, "model": str(model_path), "max_tokens": embedder.max_tokens,
                   "doc_text": 'title + " " + text', "sentence_leg": args.sentence_leg,
                   "compute": args.compute},
        "results": results, "dense_truncation": token_lengths(embedder, texts), "timings": timings,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "torch_threads": torch.get_num_threads(),
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "ran_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    print("\n| mode | nDCG@10 | R@100 | published (nDCG@10 / R@100) | Δ nDCG@10 | Δ R@100 | ms/query |")
    print("|---|---|---|---|---|---|---|")
    for mode, entry in results.items():
        pub, delta = entry.get("published"), entry.get("delta")
        published = f"{pub['ndcg@10']:.4f} / {pub['recall@100']:.4f} ({pub['system']})" if pub else "—"
        deltas = f"{delta['ndcg@10']:+.4f} | {delta['recall@100']:+.4f}" if delta else "— | —"
        print(f"| {mode} | {entry['ndcg@10']:.4f} | {entry['recall@100']:.4f} | {published} | {deltas} "
              f"| {entry['latency_ms']['mean']:.1f} |")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
