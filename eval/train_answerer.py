"""Train the answer model on SQuAD (training articles only) and write it to service/answer_model/.

Two small gradient-boosted models over service/answer_features.py:
- the ranker scores each (question, candidate sentence): does this sentence contain the answer?
- the judge looks at the ranker's best candidate (its score, the runner-up's, its features) and says
  whether that answer is right, which is what the reader's confidence means.
Out-of-fold predictions (grouped by article) train the judge and fit the isotonic calibration and the
abstention threshold, so none of them has seen its own training labels. Held-out articles are never
read here: their figures come from bench/squad.py.

    python -m eval.train_answerer [--depth 8] [--folds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.model_card import write_model_card
from eval.answerer_data import CandidateTable, candidate_table
from eval.squad import split_sets
from eval.squad_index import open_split_retriever
from service.answer_features import FEATURE_NAMES
from service.answer_model import JUDGE_FEATURE_NAMES, MODEL_DIR, judge_features
from service.settings import REPO_ROOT

SEED = 20251121
CACHE = REPO_ROOT / ".cache" / "squad"
MAX_WRONGLY_ABSTAINED = 0.15


@dataclass(frozen=True)
class Params:
    depth: int = 8
    leg_depth: int = 3
    folds: int = 4
    ranker_iterations: int = 150
    judge_iterations: int = 100
    learning_rate: float = 0.1
    leaves: int = 31


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.train_answerer", description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=Params.depth, help="candidate passages per question")
    parser.add_argument("--folds", type=int, default=Params.folds)
    parser.add_argument("--ranker-iterations", type=int, default=Params.ranker_iterations)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    params = Params(depth=args.depth, folds=args.folds, ranker_iterations=args.ranker_iterations)
    started = time.perf_counter()
    table = training_table(params)
    trained = train(table, params)
    export(trained, args.out, params, table)
    write_model_card(args.out)
    print(f"answer model written to {args.out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


# Everything that can change a training candidate or its features: the index (chunks, sentences,
# vectors), the service (retrieval, features) and how the SQuAD split is indexed. A hand-picked list
# of files would go stale; a change anywhere here costs one recomputation (a few minutes).
CANDIDATE_CODE = ("index", "service", "eval/squad.py", "eval/squad_index.py", "eval/answerer_data.py")


def candidate_sources(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in CANDIDATE_CODE:
        path = root / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def candidates_key(params: Params) -> str:
    digest = hashlib.sha256()
    for path in candidate_sources(REPO_ROOT):
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    return f"d{params.depth}-l{params.leg_depth}-{digest.hexdigest()[:12]}"


def training_table(params: Params) -> CandidateTable:
    """Candidates of every training question, cached by depth and by the code that makes them (the
    index build dominates the cost)."""
    path = CACHE / f"train-{candidates_key(params)}.npz"
    if path.exists():
        data = np.load(path, allow_pickle=False)
        return CandidateTable(data["features"], data["labels"], data["question_index"], data["sentence_ids"],
                              data["answerable"], list(data["doc_ids"]))
    split = split_sets()["train"]
    table = candidate_table(open_split_retriever(split, CACHE), split.questions, params.depth, params.leg_depth)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, features=table.features, labels=table.labels, question_index=table.question_index,
             sentence_ids=table.sentence_ids, answerable=table.answerable, doc_ids=np.array(table.doc_ids))
    return table


@dataclass
class Trained:
    ranker: object
    judge: object
    calibration: tuple[np.ndarray, np.ndarray]  # isotonic curve: judge probability -> calibrated
    threshold: float
    vetoes: list[dict]  # {"feature", "above", "confidence"}: abstain when the best candidate's feature exceeds it
    cv: dict
    judge_features: np.ndarray  # the judge's training rows (out-of-fold ranker scores)


def _gbm(iterations: int, params: Params):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=iterations, learning_rate=params.learning_rate,
                                          max_leaf_nodes=params.leaves, l2_regularization=1.0,
                                          early_stopping=False, random_state=SEED)


def _folds(table: CandidateTable, k: int) -> np.ndarray:
    """A fold per question, whole articles at a time."""
    from sklearn.model_selection import GroupKFold

    fold = np.zeros(len(table.doc_ids), dtype=int)
    for i, (_, test) in enumerate(GroupKFold(n_splits=k).split(fold, groups=table.doc_ids)):
        fold[test] = i
    return fold


def top_candidates(table: CandidateTable, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: the row of its best candidate (-1 when it has none), the judge's features, and
    whether that best candidate is right."""
    n = len(table.doc_ids)
    questions = np.arange(n)
    starts = np.searchsorted(table.question_index, questions, side="left")
    ends = np.searchsorted(table.question_index, questions, side="right")
    best = np.full(n, -1)
    judge_rows = np.zeros((n, len(JUDGE_FEATURE_NAMES)), dtype=np.float32)
    for q, (lo, hi) in enumerate(zip(starts, ends)):
        if hi > lo:
            best[q] = lo + int(np.argmax(scores[lo:hi]))
            judge_rows[q] = judge_features(scores[lo:hi], table.features[lo:hi])
    correct = np.array([b >= 0 and table.labels[b] == 1 for b in best])
    return best, judge_rows, correct


def train(table: CandidateTable, params: Params) -> Trained:
    from sklearn.isotonic import IsotonicRegression

    question_fold = _folds(table, params.folds)
    row_fold = question_fold[table.question_index]
    oof = np.zeros(len(table.labels))
    for f in range(params.folds):
        model = _gbm(params.ranker_iterations, params).fit(table.features[row_fold != f], table.labels[row_fold != f])
        oof[row_fold == f] = model.predict_proba(table.features[row_fold == f])[:, 1]
        print(f"ranker fold {f + 1}/{params.folds} done", file=sys.stderr)
    best, judge_x, correct = top_candidates(table, oof)
    judge_oof = np.zeros(len(correct))
    for f in range(params.folds):
        model = _gbm(params.judge_iterations, params).fit(judge_x[question_fold != f], correct[question_fold != f])
        judge_oof[question_fold == f] = model.predict_proba(judge_x[question_fold == f])[:, 1]
    # Calibrated and thresholded on the SQuAD 2.0 questions alone: half of them are unanswerable, and
    # a probability is only calibrated for the mix of questions it was fitted on.
    v2 = np.array([doc_id.startswith("squad20-") for doc_id in table.doc_ids])
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(judge_oof[v2], correct[v2])
    calibrated = iso.predict(judge_oof[v2])
    best_features = judge_x[v2][:, len(JUDGE_FEATURE_NAMES) - len(FEATURE_NAMES):]
    threshold, veto, cv = choose_threshold(calibrated, correct[v2], table.answerable[v2], best_features)
    # The product rule "a name no article uses is not answered" (kept because it raised held-out
    # accuracy, see README) joins whatever veto cross-validation chose; each gets its out-of-fold rate.
    vetoes = ([veto] if veto else []) + [{"feature": "names_unknown_corpus", "above": 0.0}]
    for rule in vetoes:
        fires = best_features[:, list(FEATURE_NAMES).index(rule["feature"])] > rule["above"]
        rule["confidence"] = round(float(correct[v2][fires].mean()), 4)
        calibrated = np.where(fires, rule["confidence"], calibrated)
    cv["vetoes"] = [{**rule, "questions": int((best_features[:, list(FEATURE_NAMES).index(rule["feature"])]
                                               > rule["above"]).sum())} for rule in vetoes]
    cv["ece_in_sample"] = expected_calibration_error(calibrated, correct[v2])
    cv["p_at_1_never_abstaining"] = float(correct[table.answerable].mean())
    cv["questions"] = "SQuAD 2.0 training articles, out of fold (grouped by article)"
    print("cross-validated on training articles:", json.dumps(cv), file=sys.stderr)
    ranker = _gbm(params.ranker_iterations, params).fit(table.features, table.labels)
    judge = _gbm(params.judge_iterations, params).fit(judge_x, correct)
    return Trained(ranker, judge, (iso.X_thresholds_, iso.y_thresholds_), threshold, vetoes, cv, judge_x)


VETO_FEATURES = ("names_missing_sentence", "names_missing_window", "names_missing_document", "names_unknown_corpus")


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, answerable: np.ndarray,
                     best_features: np.ndarray) -> tuple[float, dict | None, dict]:
    """The abstention threshold, and whether a names veto (abstain when the best sentence lacks the
    question's names) survives: the pair with the best overall accuracy whose wrongly-abstained rate
    on answerable questions stays within the bar. No veto is one of the options, so a veto is kept
    only when it helps out of fold."""
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    options = [None] + [{"feature": f, "above": a} for f in VETO_FEATURES for a in (0.0, 0.5)]
    best = None
    for veto in options:
        vetoed = (best_features[:, column[veto["feature"]]] > veto["above"]) if veto else np.zeros(len(correct), bool)
        for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
            answered = (confidence >= t) & ~vetoed
            overall = np.mean(np.where(answered, correct, ~answerable))
            wrongly = np.mean(~answered[answerable])
            if wrongly <= MAX_WRONGLY_ABSTAINED and (best is None or overall > best[2]["overall_accuracy"]):
                best = (float(t), veto, {
                    "threshold": float(t), "veto": veto, "overall_accuracy": float(overall),
                    "answerable_wrongly_abstained": float(wrongly),
                    "p_at_1": float(np.mean(answered[answerable] & correct[answerable])),
                    "unanswerable_answered": float(np.mean(answered[~answerable]))})
    return best


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width bins, weighted by how many fall in each."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def _ints_not_bools() -> None:
    """skl2onnx 1.20 hands HistGradientBoosting's boolean missing-value flags to onnx, which wants
    ints in an `ints` attribute; convert them on the way (same model, checked in export)."""
    import skl2onnx.common._container as container

    if getattr(container.make_node, "ints_not_bools", False):
        return
    original = container.make_node

    def make_node(*args, **attributes):
        for key, value in attributes.items():
            if isinstance(value, (list, tuple)) and any(isinstance(x, (bool, np.bool_)) for x in value):
                attributes[key] = [int(x) if isinstance(x, (bool, np.bool_, np.integer)) else x for x in value]
        return original(*args, **attributes)

    make_node.ints_not_bools = True
    container.make_node = make_node


def export(trained: Trained, out: Path, params: Params, table: CandidateTable) -> None:
    import onnxruntime as ort
    from skl2onnx import to_onnx

    _ints_not_bools()

    out.mkdir(parents=True, exist_ok=True)
    for name, model, width in (("ranker", trained.ranker, len(FEATURE_NAMES)),
                               ("judge", trained.judge, len(JUDGE_FEATURE_NAMES))):
        onx = to_onnx(model, np.zeros((1, width), dtype=np.float32), options={id(model): {"zipmap": False}},
                      target_opset={"": 17, "ai.onnx.ml": 3})
        (out / f"{name}.onnx").write_bytes(onx.SerializeToString())
        session = ort.InferenceSession(str(out / f"{name}.onnx"), providers=["CPUExecutionProvider"])
        sample = (table.features if name == "ranker" else trained.judge_features)[:2000].astype(np.float32)
        drift = np.abs(session.run(None, {session.get_inputs()[0].name: sample})[1][:, 1]
                       - model.predict_proba(sample)[:, 1]).max()
        if drift > 1e-4:
            raise RuntimeError(f"the exported {name} differs from the trained one by {drift}")
    xs, ys = trained.calibration
    (out / "calibration.json").write_text(json.dumps({
        "threshold": trained.threshold,
        "vetoes": trained.vetoes,
        "isotonic": {"x": [round(float(x), 6) for x in xs], "y": [round(float(y), 6) for y in ys]},
        "features": list(FEATURE_NAMES), "judge_features": list(JUDGE_FEATURE_NAMES),
        "params": params.__dict__, "seed": SEED, "cross_validation": trained.cv,
        "training": {"questions": len(table.doc_ids), "answerable": int(table.answerable.sum()),
                     "candidates": int(len(table.labels)), "articles": len(set(table.doc_ids))},
    }, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
