"""Calibrate the citation-lookup thresholds on eval/quotes.jsonl (`make calibrate-cite`).

Runs the quote finder with every threshold relaxed, records each case's best near similarity and its
paraphrase candidates (cosine, shared vocabulary, figures), then sweeps the thresholds. The rule:
no fabricated quote may be attributed (a false attribution is worse than a miss), and among the
settings that keep that, the one that classifies most cases right — preferring the widest margin.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from itertools import product

from eval.gold import GoldQuote, load_quotes
from service.cite import QuoteFinder
from service.engine import Engine
from service.models import Verdict
from service.settings import get_settings

NEAR_GRID = [round(0.70 + 0.02 * i, 2) for i in range(12)]
COSINE_GRID = [round(0.55 + 0.025 * i, 3) for i in range(13)]
SHARED_GRID = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]


def features(finder: QuoteFinder, quote: GoldQuote) -> dict:
    """`finder` has every threshold relaxed, so each case shows how close it came."""
    parsed = finder.parse(quote.text)
    found = finder.find(parsed)
    paraphrases = finder.paraphrase_candidates(parsed) if parsed is not None else []
    exact = [f for f in found if f.verdict is Verdict.exact]
    near = [f for f in found if f.verdict is Verdict.near]
    return {
        "exact": [_located(quote, f) for f in exact],
        "near": [(f.score, _located(quote, f)) for f in near],
        "paraphrase": [(c.cosine, c.shared, _located(quote, c.sentence)) for c in paraphrases],
    }


def verdict(f: dict, near_min: float, cos_min: float, shared_min: float) -> tuple[str, bool]:
    """(verdict, whether its top match overlaps a gold source) under these thresholds."""
    if f["exact"]:
        return "exact", f["exact"][0]
    near = [located for score, located in f["near"] if score >= near_min]
    if near:
        return "near", near[0]
    para = [located for cos, shared, located in f["paraphrase"] if cos >= cos_min and shared >= shared_min]
    return ("paraphrase", para[0]) if para else ("not_found", True)


def _located(quote: GoldQuote, f) -> bool:
    return any(s.overlaps(f.doc_id, f.start, f.end) for s in quote.sources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each case's features")
    args = parser.parse_args(argv)
    engine = Engine.open(get_settings())
    quotes = load_quotes(engine.index.documents)
    relaxed = QuoteFinder(engine.index, engine.retriever, engine.scorer, replace(
        engine.quotes.rules, near_min_similarity=0.6, paraphrase_min_similarity=0.4, paraphrase_min_shared=0.0))
    table = {q.id: features(relaxed, q) for q in quotes}
    if args.show:
        for q in quotes:
            f = table[q.id]
            print(q.id, q.kind.value, q.expected, "exact" if f["exact"] else "",
                  [round(s, 3) for s, _ in f["near"][:2]],
                  [(round(c, 3), round(sh, 2), ok) for c, sh, ok in f["paraphrase"][:3]])
    results = []
    for near_min, cos_min, shared_min in product(NEAR_GRID, COSINE_GRID, SHARED_GRID):
        outcomes = [(q, *verdict(table[q.id], near_min, cos_min, shared_min)) for q in quotes]
        false_attributions = sum(q.expected == "not_found" and v != "not_found" for q, v, _ in outcomes)
        correct = sum(v == q.expected and located for q, v, located in outcomes)
        results.append((false_attributions == 0, correct, near_min, cos_min, shared_min))
    best = max(r[1] for r in results if r[0])
    tied = [r for r in results if r[0] and r[1] == best]
    print(f"best: {best}/{len(quotes)} correct with no false attribution, at {len(tied)} settings")
    for name, column in (("near_min_similarity", 2), ("paraphrase_min_similarity", 3), ("paraphrase_min_shared", 4)):
        values = sorted({r[column] for r in tied})
        print(f"  {name}: {values[0]} .. {values[-1]} (midpoint {round((values[0] + values[-1]) / 2, 3)})")
    fabricated = [table[q.id] for q in quotes if q.expected == "not_found"]
    print("closest a fabricated quote came: near similarity",
          max((s for f in fabricated for s, _ in f["near"]), default=0.0),
          "| paraphrase cosine", round(max((c for f in fabricated for c, _, _ in f["paraphrase"]), default=0.0), 3))
    rules = engine.quotes.rules
    outcomes = [(q, *verdict(table[q.id], rules.near_min_similarity, rules.paraphrase_min_similarity,
                             rules.paraphrase_min_shared)) for q in quotes]
    wrong = [f"{q.id} ({q.expected} -> {v})" for q, v, located in outcomes if not (v == q.expected and located)]
    print(f"current settings ({rules.near_min_similarity}, {rules.paraphrase_min_similarity}, "
          f"{rules.paraphrase_min_shared}): {len(quotes) - len(wrong)}/{len(quotes)} correct; wrong: {', '.join(wrong)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
