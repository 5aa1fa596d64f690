"""Served memory at scale: a synthetic corpus of N chunks, indexed in the service's own format, then
`runri serve` on it, measured from outside (VmRSS and VmHWM of the real served process).

Embedding N chunks with the model would take hours on 2 cores, so the build uses stand-in encoders:
each text gets a random convex mix of 2-3 real vectors of the built five-article index plus noise (as
bench/scale.py, 384-d for MiniLM and 512-d for the multilingual leg). Everything else is the product's
build: the chunker, the sentence splitter, BM25, IVF/SQ8 storage above RUNRI_APPROXIMATE_THRESHOLD, the
manifest. The served process is the product unchanged: it loads the real models for questions.

Text: articles of ~12 KB made of real sentences (the five seeds and the SQuAD 1.1/2.0 dev corpora,
sampled at random), so chunk and sentence lengths are a news corpus's. Its vocabulary is that of the
source text (tens of thousands of words), smaller than years of news: structures sized by the
vocabulary are under-counted, structures sized by the number of chunks and sentences are not.

    python -m bench.served_memory --chunks 100000 [--parts] [--keep DIR] [--code OTHER_CHECKOUT]
    nohup python -m bench.served_memory --chunks 1000000 > bench/results/served-memory-1m.log 2>&1 &

Results are merged by size into bench/results/served-memory.json. Target (issue 13): 1M chunks served
in <= 3 GB RSS.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import RESULTS, peak_rss_mb, questions, quotes, rss_mb, rss_parts_mb, serve, write_result
from service.settings import REPO_ROOT

DEFAULT_OUT = RESULTS / "served-memory.json"
SQUAD = REPO_ROOT.parent / "shared" / "bench-data" / "squad"
ARTICLE_CHARS = 12_000
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")


class StandIn:
    """An Embedder that returns mixes of real vectors: what the index stores, without the model's cost."""

    def __init__(self, real: np.ndarray, name: str, seed: int) -> None:
        self._real, self.name, self.dimension = real.astype(np.float32), name, real.shape[1]
        self._rng = np.random.default_rng(seed)

    def embed(self, texts: list[str]) -> np.ndarray:
        from bench.scale import synthetic

        return synthetic(self._real, len(texts), 0.6, self._rng) if texts else np.zeros((0, self.dimension), np.float32)


def source_sentences() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO_ROOT / "seeds").glob("*.txt"))]
    for corpus in sorted(SQUAD.glob("*/corpus.jsonl")):
        texts += [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    sentences = [s.strip() for text in texts for s in _SENTENCE.split(text.replace("\n", " ")) if len(s.strip()) > 20]
    return list(dict.fromkeys(sentences))


def write_corpus(folder: Path, chunks: int, chunk_chars: int, rng: np.random.Generator) -> tuple[int, int]:
    """Articles of ~ARTICLE_CHARS until about `chunks` chunks' worth of text; returns (articles, bytes)."""
    sentences = source_sentences()
    folder.mkdir(parents=True)
    # The chunker's windows overlap, so each chunk covers about chunk_size - overlap new characters.
    target, written, article = chunks * chunk_chars, 0, 0
    while written < target:
        picks = rng.integers(0, len(sentences), size=ARTICLE_CHARS // 90)
        paragraphs, paragraph = [], []
        for i in picks:
            paragraph.append(sentences[i])
            if len(paragraph) >= rng.integers(2, 6):
                paragraphs.append(" ".join(paragraph))
                paragraph = []
        text = "\n\n".join(paragraphs + ([" ".join(paragraph)] if paragraph else [])) + "\n"
        (folder / f"synthetic-{article:07d}.txt").write_text(text, encoding="utf-8")
        written += len(text)
        article += 1
    return article, written


def build(seeds: Path, data: Path, seed: int) -> dict:
    """The product's build over `seeds` into `data`, with stand-in encoders."""
    from index.build import BuildParams, build_index
    from index.corpus import load_corpus
    from index.store import save_index
    from service.index_lifecycle import chunker_settings, ivf_params, open_index
    from service.settings import Settings

    real = open_index(Settings())  # the five-article index: its vectors seed the stand-ins
    minilm = np.vstack([real.chunk_vectors.matrix(), real.sentence_vectors.matrix()])
    use = np.vstack([real.multilingual_chunk_vectors.matrix(), real.multilingual_sentence_vectors.matrix()])
    settings = Settings(seeds_dir=seeds, data_dir=data)
    params = BuildParams(chunker=chunker_settings(settings), approximate_threshold=settings.approximate_threshold,
                         ivf=ivf_params(settings), chunk_storage=settings.chunk_vector_storage,
                         sentence_storage=settings.sentence_vector_storage)
    started = time.perf_counter()
    documents = load_corpus(seeds)
    index = build_index(documents, StandIn(minilm, "stand-in", seed), settings.resolved_model_path(), params,
                        progress=False, multilingual_embedder=StandIn(use, "stand-in-use", seed + 1))
    save_index(index, data)
    return {"build_s": round(time.perf_counter() - started, 1), "counts": index.manifest.counts,
            "dense_kind": index.manifest.dense_kind,
            "index_mb_on_disk": round(sum(f.stat().st_size for f in (data / "index").resolve().rglob("*")
                                          if f.is_file()) / 2**20, 1)}


def measure(seeds: Path, data: Path, settle_s: float, code: Path | None = None) -> dict:
    """`runri serve` on the built index: RSS when ready, after the questions and quote checks, and its
    peak. `code`: serve another checkout's code (PYTHONPATH) on the same index, for a before/after."""
    import httpx

    env = {"RUNRI_SEEDS_DIR": str(seeds), "RUNRI_DATA_DIR": str(data), **({"PYTHONPATH": str(code)} if code else {})}
    english, cites = questions(), quotes()[:10]
    others = ["大阪に住む中国人は何人ですか？", "2024年大阪有多少中国籍居民？"]
    with serve(use_cli=True, env=env, ready_timeout=3600) as server:
        out = {"ready_s": round(server.ready_s, 1), "rss_ready_mb": round(rss_mb(server.pid)),
               "rss_ready_parts_mb": rss_parts_mb(server.pid)}
        latencies, cite_latencies = [], []
        with httpx.Client(base_url=server.url, timeout=120) as client:
            for round_ in range(2):  # the second round: after any lazy structure was built by the first
                for q in english + others:
                    t = time.perf_counter()
                    client.post("/ask", json={"question": q}).raise_for_status()
                    latencies.append(time.perf_counter() - t)
                for text in cites:
                    t = time.perf_counter()
                    client.post("/cite", json={"text": text}).raise_for_status()
                    cite_latencies.append(time.perf_counter() - t)
                time.sleep(settle_s)
                out[f"rss_after_round_{round_ + 1}_mb"] = round(rss_mb(server.pid))
                out[f"rss_after_round_{round_ + 1}_parts_mb"] = rss_parts_mb(server.pid)
        out["peak_rss_mb"] = round(peak_rss_mb(server.pid))
        out["ask_p50_ms"] = round(float(np.median(latencies)) * 1000, 1)
        out["asks"] = len(latencies)
        out["cite_p50_ms"] = round(float(np.median(cite_latencies)) * 1000, 1)
        out["cite_max_ms"] = round(max(cite_latencies) * 1000, 1)
    return out


def parts(seeds: Path, data: Path) -> dict[str, dict[str, float]]:
    """RSS growth and seconds as each part of the engine is built, in the order Engine builds them, in
    this process (what `measure` cannot tell from outside)."""
    last, clock = rss_mb(), time.perf_counter()
    import gc

    from index.corpus import load_corpus
    from service.answer import AnswerPolicy
    from service.answer_model import load_answer_model
    from service.cite import QuoteFinder
    from service.index_lifecycle import embedder_for, multilingual_embedder_for, open_index
    from service.names import NameVocabulary, english_words
    from service.phrase_index import PhraseIndex
    from service.quotes import CiteRules
    from service.retrieve import Retriever
    from service.romanize import romanizers
    from service.settings import Settings
    from service.vocabulary import SentenceVocabulary
    from service.word_bridge import WordBridge

    s = Settings(seeds_dir=seeds, data_dir=data)
    out: dict[str, dict[str, float]] = {}

    def step(label: str) -> None:
        nonlocal last, clock
        gc.collect()
        now = rss_mb()
        out[label] = {"rss_mb": round(now - last), "seconds": round(time.perf_counter() - clock, 1)}
        print(f"  {label:<26} +{now - last:6.0f} MB  {out[label]['seconds']:6.1f} s", flush=True)
        last, clock = now, time.perf_counter()

    step("imports")
    embedder = embedder_for(s)
    multilingual = multilingual_embedder_for(s)
    step("models")
    documents = load_corpus(s.seeds_dir)
    step("article texts")
    del documents
    index = open_index(s)
    step("loaded index")
    texts = [doc.text for doc in index.documents.values()]
    retriever = Retriever(index, embedder, s.rrf_k, s.query_cache_size, s.embed_lanes, multilingual,
                          s.multilingual_leg, None, s.dense_sentences)
    NameVocabulary(texts, english_words(s.resolved_model_path()))
    step("name vocabulary")
    WordBridge(lambda: iter(texts), multilingual).warm_up()
    step("word bridge")
    vocabulary = SentenceVocabulary(index)
    step("sentence vocabulary")
    AnswerPolicy(index, retriever, vocabulary, load_answer_model(s.answer_model_dir), s.answer_depth,
                 s.answer_leg_depth, s.abstain_below)
    QuoteFinder(index, retriever, vocabulary, CiteRules.of(s), PhraseIndex.of(zip(index.documents, texts)))
    step("quote lookup")
    romanizers()
    step("romanisers")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.served_memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=100_000, help="about this many chunks")
    parser.add_argument("--chunk-chars", type=int, default=400, help="new characters per chunk (size - overlap)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after each round before reading RSS")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parts", action="store_true", help="also: RSS by engine part, built in this process")
    parser.add_argument("--code", type=Path, help="serve this checkout's code on the same index (a before/after)")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep it (default: a temporary one)")
    parser.add_argument("--label", default="", help="kept beside the size in the results (e.g. RUNRI_MAP_VECTORS=false)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="runri-served-") as tmp:
        root = args.keep or Path(tmp)
        seeds, data = root / "seeds", root / "data"
        if not seeds.exists():
            articles, size = write_corpus(seeds, args.chunks, args.chunk_chars, rng)
        else:
            articles, size = len(list(seeds.glob("*.txt"))), sum(p.stat().st_size for p in seeds.glob("*.txt"))
        print(f"{articles:,} articles, {size / 2**20:.1f} MiB of text", flush=True)
        built = build(seeds, data, args.seed) if not (data / "index").exists() else {}
        print(f"built: {built}", flush=True)
        served = measure(seeds, data, args.settle, args.code)
        print(f"served: {served}", flush=True)
        by_part = {"parts": parts(seeds, data)} if args.parts else {}
    result = {"label": args.label, "articles": articles, "text_mb": round(size / 2**20, 1),
              "code": str(args.code or REPO_ROOT), **built,
              **served, **by_part}
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    key = " ".join(str(part) for part in (args.chunks, args.code, args.label) if part)
    sizes = {**previous.get("sizes", {}), key: result}
    write_result("served-memory", {"sizes": sizes}, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
