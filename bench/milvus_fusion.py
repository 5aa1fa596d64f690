"""Hybrid on Milvus: our RRF over Milvus' two result lists, or Milvus' own `hybrid_search` with
RRFRanker(60)? Retrieval metrics on the gold questions (`eval/questions.jsonl`) for both, on the index
in RUNRI_DATA_DIR built with RUNRI_BACKEND=milvus.

    RUNRI_BACKEND=milvus RUNRI_DATA_DIR=/tmp/mv python -m bench.milvus_fusion
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from bench.common import RESULTS, summary_ms, write_result
from eval import metrics as m
from eval.gold import load_questions
from service.engine import Engine
from service.models import RetrievalMode
from service.retrieve import RankedChunk
from service.settings import Settings

K = 10


def server_fused(engine: Engine, question: str, pool: int) -> list[int]:
    from pymilvus import AnnSearchRequest, RRFRanker

    from index.milvus import bm25_terms

    backend = engine.index.backend
    vector = engine.retriever.queries.embed_query(question).tolist()
    requests = [AnnSearchRequest([vector], "vector", {"metric_type": "IP", "params": {"nprobe": 8}}, pool)]
    terms = bm25_terms(question)
    if terms:
        requests.append(AnnSearchRequest([terms], "sparse", {"metric_type": "BM25"}, pool))
    hits = backend._client.hybrid_search(backend.names["chunks"], requests, RRFRanker(engine.settings.rrf_k),
                                         limit=pool, output_fields=[])[0]
    return [backend._chunk_rows[h["id"]] for h in hits if h["id"] in backend._chunk_rows]


def main() -> int:
    settings = Settings()
    engine = Engine.open(settings)
    if engine.index.backend.kind != "milvus":
        raise SystemExit("build the index with RUNRI_BACKEND=milvus first")
    questions = [q for q in load_questions(engine.index.documents) if q.answerable]
    scores: dict[str, dict[str, list[float]]] = {"ours": defaultdict(list), "rrf_ranker": defaultdict(list)}
    times: dict[str, list[float]] = {"ours": [], "rrf_ranker": []}
    pool = settings.candidate_pool
    for q in questions:
        engine.retriever.queries.embed_query(q.question)  # both variants start from a cached vector
        t = time.perf_counter()
        ours = engine.search(q.question, K, RetrievalMode.hybrid).passages
        times["ours"].append(time.perf_counter() - t)
        t = time.perf_counter()
        rows = server_fused(engine, q.question, pool)
        theirs = engine.retriever.passages([RankedChunk(r, 0.0, frozenset()) for r in rows], K)
        times["rrf_ranker"].append(time.perf_counter() - t)
        for name, passages in (("ours", ours), ("rrf_ranker", theirs)):
            labels = m.credited_evidence([(p.doc_id, p.start, p.end) for p in passages], q.evidence)
            n = len(q.evidence)
            for k in (1, 5, 10):
                scores[name][f"recall@{k}"].append(m.recall_at_k(labels, n, k))
            scores[name]["mrr@10"].append(m.reciprocal_rank(labels, 10))
            scores[name]["ndcg@10"].append(m.ndcg_at_k(labels, n, 10))
    result = {name: {metric: round(float(np.mean(v)), 4) for metric, v in per.items()} for name, per in scores.items()}
    for name in result:
        result[name]["latency_ms"] = summary_ms(times[name])
        print(name, result[name])
    write_result("milvus-fusion", {"questions": len(questions), "fusion": result}, RESULTS / "milvus-fusion.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
