"""Calibrate the citation-lookup thresholds on eval/quotes.jsonl (`make calibrate-cite`).

For each pair of alignment thresholds (near: character similarity; altered: wording similarity with
figures masked and negations removed) the quote finder runs on every case as `/cite` would, and keeps
each unmatched case's paraphrase candidates (cosine, shared vocabulary), so the paraphrase thresholds
are swept without running it again. The rule: no fabricated quote may be attributed (a false
attribution is worse than a miss), and among the settings that keep that, the one that classifies
most cases right; ties are reported as ranges, so the margin can be seen.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace
from itertools import product

from eval.gold import GoldQuote, load_quotes
from index.sentences import split_sentences
from service.cite import QuoteFinder
from service.engine import Engine
from service.settings import get_settings

NEAR_GRID = [round(0.70 + 0.025 * i, 3) for i in range(9)]
ALTERED_GRID = [round(0.70 + 0.05 * i, 2) for i in range(6)]
COSINE_GRID = [round(0.55 + 0.025 * i, 3) for i in range(13)]
SHARED_GRID = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]


def run(engine: Engine, quotes: list[GoldQuote], near_min: float, altered_min: float) -> dict[str, dict]:
    """Each case's verdict from exact / near / altered lookup at these thresholds, or, when nothing
    matched and `/cite` would try, its paraphrase candidates."""
    finder = QuoteFinder(engine.index, engine.retriever, engine.vocabulary, replace(
        engine.quotes.rules, near_min_similarity=near_min, altered_min_wording=altered_min), engine.quotes.phrases)
    table = {}
    for quote in quotes:
        found = finder.find(quote.text, paraphrase=False)
        one_claim = len(split_sentences(quote.text)) <= 1 and len(quote.text) <= finder.rules.piece_max_chars
        candidates = []
        if not found and one_claim:
            vector = engine.retriever.queries.embed_query(quote.text)
            candidates = [(c.cosine, c.shared, _located(quote, c.sentence))
                          for c in finder.paraphrase_candidates(quote.text, vector)]
        table[quote.id] = {"verdict": found[0].verdict.value if found else None,
                           "located": bool(found) and _located(quote, found[0]),
                           "score": found[0].score if found else None,
                           "wording": found[0].wording if found else None, "paraphrase": candidates}
    return table


def verdict(case: dict, cos_min: float, shared_min: float) -> tuple[str, bool]:
    """(verdict, whether its top match overlaps a gold source) under these paraphrase thresholds."""
    if case["verdict"]:
        return case["verdict"], case["located"]
    para = [located for cos, shared, located in case["paraphrase"] if cos >= cos_min and shared >= shared_min]
    return ("paraphrase", para[0]) if para else ("not_found", True)


def _located(quote: GoldQuote, f) -> bool:
    return any(s.overlaps(f.doc_id, f.start, f.end) for s in quote.sources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each case's features at the loosest setting")
    args = parser.parse_args(argv)
    engine = Engine.open(get_settings())
    quotes = load_quotes(engine.index.documents)
    results = []
    tables = {}
    for near_min, altered_min in product(NEAR_GRID, ALTERED_GRID):
        table = tables[near_min, altered_min] = run(engine, quotes, near_min, altered_min)
        for cos_min, shared_min in product(COSINE_GRID, SHARED_GRID):
            outcomes = [(q, *verdict(table[q.id], cos_min, shared_min)) for q in quotes]
            false_attributions = sum(q.expected == "not_found" and v != "not_found" for q, v, _ in outcomes)
            correct = sum(v == q.expected and located for q, v, located in outcomes)
            results.append((false_attributions == 0, correct, near_min, altered_min, cos_min, shared_min))
    loosest = tables[NEAR_GRID[0], ALTERED_GRID[0]]
    if args.show:
        for q in quotes:
            case = loosest[q.id]
            print(q.id, q.kind.value, q.alteration or "", q.expected, case["verdict"] or "", case["score"],
                  case["wording"], [(round(c, 3), round(s, 2), ok) for c, s, ok in case["paraphrase"][:3]])
    best = max(r[1] for r in results if r[0])
    tied = [r for r in results if r[0] and r[1] == best]
    print(f"best: {best}/{len(quotes)} correct with no false attribution, at {len(tied)} settings")
    for name, column in (("near_min_similarity", 2), ("altered_min_wording", 3), ("paraphrase_min_similarity", 4),
                         ("paraphrase_min_shared", 5)):
        values = sorted({r[column] for r in tied})
        print(f"  {name}: {values[0]} .. {values[-1]} (midpoint {round((values[0] + values[-1]) / 2, 3)})")
    fabricated = [loosest[q.id] for q in quotes if q.expected == "not_found"]
    print(f"closest a fabricated quote came at near {NEAR_GRID[0]}, altered {ALTERED_GRID[0]}:",
          Counter(f["verdict"] for f in fabricated if f["verdict"]) or "no alignment",
          "| paraphrase cosine", round(max((c for f in fabricated for c, _, _ in f["paraphrase"]), default=0.0), 3))
    rules = engine.quotes.rules
    table = run(engine, quotes, rules.near_min_similarity, rules.altered_min_wording)
    outcomes = [(q, *verdict(table[q.id], rules.paraphrase_min_similarity, rules.paraphrase_min_shared))
                for q in quotes]
    wrong = [f"{q.id} ({q.expected} -> {v})" for q, v, located in outcomes if not (v == q.expected and located)]
    print(f"current settings (near {rules.near_min_similarity}, altered {rules.altered_min_wording}, paraphrase "
          f"{rules.paraphrase_min_similarity}, shared {rules.paraphrase_min_shared}): "
          f"{len(quotes) - len(wrong)}/{len(quotes)} correct; wrong: {', '.join(wrong)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
