"""The whole service on held-out SQuAD articles: index them as the corpus, ask every question through
`Engine.ask`, score with the benchmark's own evaluate.py, and add calibration (ECE) and latency.

The held-out articles (eval/squad.py) are never seen by eval/train_answerer.py.

    python -m bench.squad            # both sets; writes bench/results/squad.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval.answerer_data import contains_answer
from eval.squad import SQUAD_DIR, split_sets
from eval.squad_index import open_split_engine
from eval.train_answerer import CACHE, expected_calibration_error
from eval.model_card import write_model_card
from service.answer_model import MODEL_DIR
from service.settings import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results"
SETS = {"heldout-v2": "v2.0", "heldout-v1": "v1.1"}


def run_set(name: str, work: Path, limit: int | None = None) -> dict:
    split = split_sets()[name]
    engine = open_split_engine(split, CACHE)
    questions = split.questions[:limit] if limit else split.questions
    predictions, confidence, correct, took = [], [], [], []
    for q in tqdm(questions, desc=f"asking {name}", unit="q"):
        started = time.perf_counter()
        result = engine.ask(q.question)
        took.append((time.perf_counter() - started) * 1000)
        if result.answer is None:
            predictions.append({"id": q.id, "abstain": True})
        else:
            a = result.answer
            predictions.append({"id": q.id, "doc_id": a.doc_id, "start": a.start, "end": a.end})
        top = result.answer or result.closest
        confidence.append(result.confidence)
        correct.append(top is not None and contains_answer(top.start, top.end, top.doc_id, q))
    work.mkdir(parents=True, exist_ok=True)
    questions_path, predictions_path = work / f"{name}-questions.jsonl", work / f"{name}-predictions.jsonl"
    gold = {row["id"]: row for row in _jsonl(SQUAD_DIR / SETS[name] / "questions.jsonl")}
    questions_path.write_text("".join(json.dumps(gold[q.id]) + "\n" for q in questions), encoding="utf-8")
    predictions_path.write_text("".join(json.dumps(p) + "\n" for p in predictions), encoding="utf-8")
    scores_path = work / f"{name}-scores.json"
    subprocess.run([sys.executable, str(SQUAD_DIR / "evaluate.py"), str(questions_path), str(predictions_path),
                    "--corpus", str(SQUAD_DIR / SETS[name] / "corpus.jsonl"), "--json", str(scores_path)],
                   check=True, stdout=subprocess.DEVNULL)
    scores = json.loads(scores_path.read_text(encoding="utf-8"))
    confidence_array, correct_array = np.array(confidence), np.array(correct)
    scores["calibration"] = {"ece": round(expected_calibration_error(confidence_array, correct_array), 4),
                             "note": "confidence vs 'the returned (or best) sentence contains a gold answer'"}
    scores["latency_ms"] = {"p50": round(float(np.percentile(took, 50)), 2),
                            "p99": round(float(np.percentile(took, 99)), 2)}
    scores["articles"] = sorted(a.title for a in split.articles)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.squad", description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="heldout-v2,heldout-v1")
    parser.add_argument("--limit", type=int, help="ask only the first N questions of each set (smoke runs)")
    parser.add_argument("--out", type=Path, default=RESULTS / "squad.json")
    parser.add_argument("--update-card", action="store_true", help="write the figures into the model card")
    args = parser.parse_args(argv)
    results = {name: run_set(name, CACHE / "bench", args.limit) for name in args.sets.split(",")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    for name, scores in results.items():
        metrics = scores.get("metrics", {})
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in metrics.items() if v is not None)
              + f", ECE {scores['calibration']['ece']}, p50 {scores['latency_ms']['p50']} ms")
    print(f"results: {args.out}")
    if args.update_card:
        print(f"model card: {write_model_card(MODEL_DIR, results)}")
    return 0


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


if __name__ == "__main__":
    sys.exit(main())
