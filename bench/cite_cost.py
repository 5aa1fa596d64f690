"""/cite's cost against the pasted text's length: it must grow about linearly (issue 17: it used to
grow with the square, 10 s at 5,000 characters), and 5,000 characters must take at most 1 s.

Texts of each length, built from the articles themselves (seeded, so every run checks the same):
  verbatim      consecutive sentences of one article: exact whole, exact sentence by sentence
  reworded      the same with every 8th word spelt backwards: near and altered sentences
  ellipses      every other sentence dropped and marked with " … ": exact with omissions
  shuffled      words drawn at random from the articles, a full stop every ~15: nothing is found,
                every sentence goes on to the paraphrase search
  no_stops      random words without any punctuation: one sentence as long as the text
  tiny          "Japan. " again and again: 700 one-word sentences, each found hundreds of times
  three_words   random three-word sentences: 260 distinct claims, each searched, none found, every
                one embedded for the paraphrase search (the most work per character we know of)
Each text is checked in process (`Engine.cite`) `--repeats` times after one warm-up call; the query
embedding cache is cleared before each call, so the model runs as it would for a new text. Wall time
and the process's CPU time are both recorded: on a shared machine the CPU time is what the check
costs, the wall time what a user waits.

    .venv/bin/python -m bench.cite_cost [--lengths 500,1000,2000,3000,4000,5000] [--repeats 3]

Writes bench/results/cite.json.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from bench.common import markdown_table, percentile, write_result

KINDS = ("verbatim", "reworded", "ellipses", "shuffled", "no_stops", "tiny", "three_words")
TARGET_S = 1.0  # for 5,000 characters (issue 17)


def texts(documents: dict, length: int, seed: int = 17) -> dict[str, str]:
    """One text of about `length` characters per kind."""
    from index.sentences import split_sentences

    source = max(documents.values(), key=lambda d: len(d.text)).text
    sentences = [source[s.start:s.end] for s in split_sentences(source)]
    rng = random.Random(seed + length)
    start = rng.randrange(len(sentences) // 4)
    verbatim = _fill(sentences[start:], " ", length)
    words = [w for d in documents.values() for w in d.text.split()]
    plain = [w for w in words if w.isalpha()]
    shuffled = " ".join(w.strip(".!?…") + ("." if k % 15 == 14 else "")
                        for k, w in enumerate(rng.choice(words) for _ in range(length)))
    return {
        "verbatim": verbatim,
        "reworded": " ".join(w[::-1] if k % 8 == 7 else w for k, w in enumerate(verbatim.split(" "))),
        "ellipses": _fill(sentences[start::2], " … ", length),
        "shuffled": _cut(shuffled, length),
        "no_stops": _cut(" ".join(w.strip(".,;:!?…\"“”") for w in shuffled.split()), length),
        "tiny": _cut("Japan. " * (length // 7 + 1), length),
        "three_words": _cut(" ".join(" ".join(rng.choice(plain) for _ in range(3)).capitalize() + "."
                                     for _ in range(length // 12)), length),
    }


def _fill(parts: list[str], joiner: str, length: int) -> str:
    text = ""
    for part in parts:
        if len(text) + len(joiner) + len(part) > length:
            break
        text = f"{text}{joiner}{part}" if text else part
    return text


def _cut(text: str, length: int) -> str:
    return text[:length].rsplit(" ", 1)[0]


def run(lengths: list[int], repeats: int = 3, out: Path | None = None) -> dict:
    from service.engine import Engine
    from service.settings import Settings

    engine = Engine.open(Settings())
    engine.cite("Japan is easy to enter and invest in.")  # lazy initialisation
    rows = []
    for length in lengths:
        for kind, text in texts(engine.index.documents, length).items():
            samples, cpu, result = [], [], None
            for _ in range(repeats):
                engine.retriever.queries.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                result = engine.cite(text)
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            rows.append({"length": length, "chars": len(text), "kind": kind, "sentences": len(result.sentences),
                         "verdict": result.verdict.value, "partial": result.partial,
                         "p50_s": round(percentile(samples, 50), 4), "max_s": round(max(samples), 4),
                         "cpu_p50_s": round(percentile(cpu, 50), 4)})
            print(f"  {kind:11} {len(text):5} chars: {rows[-1]['p50_s']:.3f} s (max {rows[-1]['max_s']:.3f}, "
                  f"CPU {rows[-1]['cpu_p50_s']:.3f}), {result.verdict.value}{', PARTIAL' if result.partial else ''}",
                  flush=True)
    longest = max(lengths)
    worst = max((r for r in rows if r["length"] == longest), key=lambda r: r["max_s"])
    payload = {"repeats": repeats, "lengths": lengths, "rows": rows, "target_s": TARGET_S,
               "worst_at_longest": worst, "growth": _growth(rows, lengths),
               "partial": sorted({f"{r['kind']} at {r['length']}" for r in rows if r["partial"]}),
               "met": worst["max_s"] <= TARGET_S}
    write_result("cite", payload, out)
    return payload


def _growth(rows: list[dict], lengths: list[int]) -> dict[str, float]:
    """Per kind: CPU time at the longest length over CPU time at 1,000 characters (or the shortest
    length above it), divided by the length ratio: 1 = linear, a quadratic cost gives the length ratio
    itself. CPU time, because wall time on a shared machine is mostly the neighbours' load; shorter
    texts than 1,000 characters take a few milliseconds, too few to compare."""
    base = min((n for n in lengths if n >= 1000), default=min(lengths))
    longest = max(lengths)
    growth = {}
    for kind in KINDS:
        by_length = {r["length"]: r["cpu_p50_s"] for r in rows if r["kind"] == kind}
        if longest > base and by_length.get(base) and longest in by_length:
            growth[kind] = round(by_length[longest] / by_length[base] / (longest / base), 2)
    return growth


def table(result: dict) -> str:
    lengths = result["lengths"]
    rows = [[kind] + [next((f"{r['p50_s'] * 1000:.0f} ms (CPU {r['cpu_p50_s'] * 1000:.0f})"
                            + (" partial" if r["partial"] else "")
                            for r in result["rows"] if r["kind"] == kind and r["length"] == n), "")
                      for n in lengths] + [result["growth"].get(kind, "")] for kind in KINDS]
    worst = result["worst_at_longest"]
    return (markdown_table(["text"] + [f"{n:,} chars" for n in lengths] + ["CPU growth, 1,000 to longest (1 = linear)"], rows)
            + f"\nworst at {worst['length']:,} characters: {worst['kind']}, {worst['max_s']:.3f} s "
              f"(target {result['target_s']:g} s: {'met' if result['met'] else 'NOT met'}); partial results: "
              f"{', '.join(result['partial']) or 'none'}")


def _ints(value: str) -> list[int]:
    return [int(x) for x in value.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=_ints, default=[500, 1000, 2000, 3000, 4000, 5000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    result = run(args.lengths, args.repeats)
    print(table(result))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
