"""Query path, in process, warm: /ask and /search latency over the gold questions, stage by stage.

For every question, in turn (interleaved, so machine noise spreads over all stages alike):
  ask, search        Engine.ask / Engine.search with the query-embedding cache cleared first (the real path:
                     the model runs once per request; a second lookup inside ask hits the cache)
  ask_zh, ask_ja     Engine.ask on a Chinese / Japanese question of eval/questions_multilingual.jsonl (cycled),
                     both encoders' caches cleared: the cross-lingual path (multilingual encoder, word bridge,
                     romanised names, BM25) instead of all-MiniLM-L6-v2
  embedding          engine.embedder.embed([q])
  dense              engine.index.chunk_vectors.search(vec, pool)
  lexical            engine.index.lexical.scores(q) + index.lexical.top_k(scores, pool)
  fusion             service.fuse.reciprocal_rank_fusion of the two legs
  passages           Retriever.passages (merge overlapping chunks; ask's fused + leg-head candidates)
  answer             engine.answers.decide(q, retrieval): candidates, features, ranker and judge
  corroboration      corroborating_sentences for the best sentence
  embedding_forward_only   diagnostic: tokenizer + model forward, without SentenceTransformer.encode's overhead
  cite               engine.cite(text) over eval/quotes.jsonl, when the engine has it
then, separately, ask and search again with the cache warm (every question already embedded).

    .venv/bin/python -m bench.query [--repeats 3] [--profile]

Writes bench/results/query.json. --profile adds a cProfile of the uncached /ask loop
(bench/results/query-ask.prof and the top functions in the JSON).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time
from pathlib import Path

from bench.common import (RESULTS, markdown_table, multilingual_questions, questions, quotes, rss_mb, summary_ms,
                          write_result)

STAGES = ["embedding", "dense", "lexical", "fusion", "passages", "answer", "corroboration"]


def open_engine():
    from service.engine import Engine
    from service.settings import Settings

    return Engine.open(Settings())


def run(repeats: int = 3, warmup: int = 20, profile: bool = False, out: Path | None = None) -> dict:
    from index.lexical import top_k
    from service.corroborate import corroborating_sentences
    from service.fuse import reciprocal_rank_fusion
    from service.retrieve import Retrieval

    started = time.perf_counter()
    engine = open_engine()
    load_s = time.perf_counter() - started
    qs = questions()
    pool = max(engine.settings.candidate_pool, engine.settings.default_k)
    k = engine.settings.default_k
    cache = engine.retriever.queries
    clock = time.perf_counter

    foreign = {lang: multilingual_questions(lang) for lang in ("zh", "ja")}
    for q in qs[:warmup]:  # first calls pay lazy initialisation (torch kernels, tokenizer)
        engine.ask(q)
        engine.search(q)
    for lang_questions in foreign.values():  # and the multilingual encoder, romanisers, word bridge
        for q in lang_questions[:warmup]:
            engine.ask(q)
    engine.retriever.clear_caches()

    forward = _forward_only(engine.embedder)
    samples: dict[str, list[float]] = {name: [] for name in ["ask", "search", "ask_zh", "ask_ja", *STAGES]}
    if forward is not None:
        samples["embedding_forward_only"] = []
    gc.collect()
    for _ in range(repeats):
        for i, q in enumerate(qs):
            cache.clear()
            t = clock(); engine.ask(q); samples["ask"].append(clock() - t)
            for lang, lang_questions in foreign.items():
                if lang_questions:
                    engine.retriever.clear_caches()
                    other = lang_questions[i % len(lang_questions)]
                    t = clock(); engine.ask(other); samples[f"ask_{lang}"].append(clock() - t)
            cache.clear()
            t = clock(); engine.search(q); samples["search"].append(clock() - t)

            t = clock(); vec = engine.embedder.embed([q])[0]; samples["embedding"].append(clock() - t)
            if forward is not None:
                t = clock(); forward(q); samples["embedding_forward_only"].append(clock() - t)
            t = clock(); _, dense_ids = engine.index.chunk_vectors.search(vec, pool); samples["dense"].append(clock() - t)
            t = clock()
            _, lexical_ids = top_k(engine.index.lexical.scores(q), pool)
            samples["lexical"].append(clock() - t)
            t = clock()
            reciprocal_rank_fusion([dense_ids.tolist(), lexical_ids.tolist()], k=engine.settings.rrf_k)
            samples["fusion"].append(clock() - t)

            ranking = engine.retriever.ranking(q, _hybrid(), pool, None, query_vector=vec)
            t = clock()
            passages = engine.retriever.top_passages(ranking, k)
            samples["passages"].append(clock() - t)
            t = clock()
            decision = engine.answers.decide(q, Retrieval(vec, ranking, passages, k))
            samples["answer"].append(clock() - t)
            if decision.sentence is not None:
                t = clock()
                corroborating_sentences(engine.index, engine.vocabulary, decision.sentence, engine.corroboration)
                samples["corroboration"].append(clock() - t)

    cite = None
    if hasattr(engine, "cite"):
        texts = quotes()
        for text in texts[:5]:
            engine.cite(text)
        cite_samples = []
        for _ in range(repeats):
            for text in texts:
                cache.clear()
                t = clock(); engine.cite(text); cite_samples.append(clock() - t)
        samples["cite"] = cite_samples
        cite = summary_ms(cite_samples)

    # The same questions again with every embedding cached: what a repeated question costs.
    for q in qs:
        engine.retriever.queries.embed_query(q)
    cached: dict[str, list[float]] = {"ask": [], "search": []}
    for _ in range(repeats):
        for q in qs:
            t = clock(); engine.ask(q); cached["ask"].append(clock() - t)
            t = clock(); engine.search(q); cached["search"].append(clock() - t)

    stats = {name: summary_ms(values) for name, values in samples.items()}
    embed_p50 = stats["embedding"]["p50"]
    payload = {
        "questions": len(qs), "repeats": repeats, "candidate_pool": pool, "engine_load_s": round(load_s, 2),
        "rss_mb": round(rss_mb(), 1),
        "uncached": stats,
        "cached": {name: summary_ms(values) for name, values in cached.items()},
        "ratios": {"ask_p50_over_embedding_p50": round(stats["ask"]["p50"] / embed_p50, 3),
                   "ask_p99_over_embedding_p50": round(stats["ask"]["p99"] / embed_p50, 3),
                   **{f"ask_{lang}_p50_over_ask_p50": round(stats[f"ask_{lang}"]["p50"] / stats["ask"]["p50"], 3)
                      for lang in foreign if stats[f"ask_{lang}"].get("n")},
                   "targets": {"ask_p50_over_embedding_p50": 1.3, "ask_p99_over_embedding_p50": 2.0,
                               "ask_zh_p50_over_ask_p50": 1.5, "ask_ja_p50_over_ask_p50": 1.5}},
        "cite_available": cite is not None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if profile:
        payload["profile_top"] = _profile_ask(engine, qs)
    write_result("query", payload, out)
    return payload


def _forward_only(embedder):
    """Diagnostic: tokenizer + transformer forward + normalise, without SentenceTransformer.encode's
    per-call bookkeeping, to show how much of 'embedding' is the model itself. None if not a
    sentence-transformers embedder."""
    model = getattr(embedder, "_model", None)
    if model is None:
        return None
    import torch

    prepare = getattr(model, "preprocess", None) or model.tokenize

    def forward(text: str):
        with torch.inference_mode():
            out = model.forward(prepare([text]))
            return torch.nn.functional.normalize(out["sentence_embedding"], dim=1)[0].numpy()
    try:
        forward("warm up")
    except Exception:  # a sentence-transformers version with another API: skip the diagnostic
        return None
    return forward


def _hybrid():
    from service.models import RetrievalMode

    return RetrievalMode.hybrid


def _profile_ask(engine, qs: list[str], top: int = 25) -> list[dict]:
    profiler = cProfile.Profile()
    cache = engine.retriever.queries
    profiler.enable()
    for q in qs:
        cache.clear()
        engine.ask(q)
    profiler.disable()
    RESULTS.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(RESULTS / "query-ask.prof"))
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    total = stats.total_tt
    rows = []
    for (file, line, func), (_, calls, tottime, cumtime, _) in stats.stats.items():
        rows.append({"function": f"{Path(file).name}:{line}({func})", "calls": calls,
                     "tottime_ms_per_ask": round(tottime * 1000 / len(qs), 3),
                     "cumtime_ms_per_ask": round(cumtime * 1000 / len(qs), 3),
                     "tottime_share": round(tottime / total, 3) if total else 0.0})
    rows.sort(key=lambda r: -r["tottime_ms_per_ask"])
    return rows[:top]


def table(result: dict) -> str:
    rows = []
    order = ["ask", "ask_zh", "ask_ja", "search", "embedding", "embedding_forward_only", *STAGES[1:], "cite"]
    for name in order:
        s = result["uncached"].get(name)
        if s and s.get("n"):
            rows.append([name, s["n"], s["p50"], s["p95"], s["p99"]])
    for name, s in result["cached"].items():
        rows.append([f"{name} (cached embedding)", s["n"], s["p50"], s["p95"], s["p99"]])
    r = result["ratios"]
    return (markdown_table(["in-process stage", "n", "p50 ms", "p95 ms", "p99 ms"], rows)
            + f"\n\n/ask p50 / embedding p50 = {r['ask_p50_over_embedding_p50']} (target <= 1.3); "
              f"/ask p99 / embedding p50 = {r['ask_p99_over_embedding_p50']} (target <= 2.0)"
            + "".join(f"; /ask p50 {lang} / English = {r[f'ask_{lang}_p50_over_ask_p50']} (target <= 1.5)"
                      for lang in ("zh", "ja") if f"ask_{lang}_p50_over_ask_p50" in r)
            + ("" if result["cite_available"] else "\n(engine.cite not available: citation lookup not measured)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.query", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="passes over the questions (default 3)")
    parser.add_argument("--profile", action="store_true", help="cProfile the uncached /ask loop")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.repeats, profile=args.profile, out=args.out)
    print(table(result))
    if args.profile:
        print(markdown_table(["function (cProfile, by own time)", "calls", "own ms/ask", "cum ms/ask"],
                             [[r["function"], r["calls"], r["tottime_ms_per_ask"], r["cumtime_ms_per_ask"]]
                              for r in result["profile_top"][:15]]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
