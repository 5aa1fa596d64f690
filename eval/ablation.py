"""Ablation: the gold set under several chunkings, each retrieval mode side by side. Run with
`make ablation` (or `python -m eval.ablation`); the README's table comes from here."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eval.runner import run_eval
from service.engine import Engine
from service.index_lifecycle import build, embedder_for
from service.settings import get_settings

CHUNKINGS = [(300, 50), (600, 100), (1000, 150)]
SHOWN = ["recall@1", "recall@5", "mrr@10", "ndcg@10"]
ANSWER = ["answer.contains_gold", "abstention.recall", "abstention.false_abstention_rate", "cite.accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunkings", nargs="*", default=[f"{s}/{o}" for s, o in CHUNKINGS],
                        help="size/overlap pairs in characters, e.g. 600/100")
    args = parser.parse_args()
    header = ["chunk size/overlap", "mode", *SHOWN]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    answer_rows = []
    for pair in args.chunkings:
        size, overlap = (int(x) for x in pair.split("/"))
        with tempfile.TemporaryDirectory() as tmp:
            settings = get_settings().model_copy(update={"data_dir": Path(tmp), "chunk_size": size,
                                                         "chunk_overlap": overlap})
            index, _ = build(settings)
            report = run_eval(Engine(settings, index, embedder_for(settings)))
        for mode in ("dense", "lexical", "hybrid"):
            values = [report.metrics[f"retrieval.{mode}.{name}"] for name in SHOWN]
            print(f"| {size}/{overlap} ({len(index.chunks)} chunks) | {mode} | "
                  + " | ".join(f"{v:.3f}" for v in values) + " |", flush=True)
        answer_rows.append((pair, [report.metrics.get(name) for name in ANSWER]))
    print("\n| chunk size/overlap | " + " | ".join(ANSWER) + " |\n|" + "---|" * (len(ANSWER) + 1))
    for pair, values in answer_rows:
        print(f"| {pair} | " + " | ".join("n/a" if v is None else f"{v:.3f}" for v in values) + " |")


if __name__ == "__main__":
    main()
