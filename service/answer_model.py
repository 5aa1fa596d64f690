"""The learned answer model: ONNX files trained by `make train-answerer` (eval/train_answerer.py).

- ranker.onnx: probability that a candidate sentence contains the answer, from its features;
- judge.onnx: probability that the ranker's best candidate is right, from how it stands out;
- calibration.json: the isotonic map that makes the judge's output a calibrated probability (fitted
  out of fold on the training articles), and the abstention threshold chosen the same way.
Loaded once per process; ONNX Runtime runs both in well under a millisecond.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from service.answer_features import FEATURE_NAMES

MODEL_DIR = Path(__file__).resolve().parent / "answer_model"

JUDGE_FEATURE_NAMES = ("best", "runner_up", "margin", "candidates", "share_of_mass", "strong_candidates",
                       *(f"best_{name}" for name in FEATURE_NAMES))


def judge_features(scores: np.ndarray, features: np.ndarray) -> np.ndarray:
    """How the best candidate stands out among the others, plus its own features."""
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    runner_up = float(scores[order[1]]) if len(order) > 1 else 0.0
    head = [best, runner_up, best - runner_up, np.log1p(len(scores)), best / max(float(scores.sum()), 1e-6),
            float(np.sum(scores >= 0.5))]
    return np.concatenate([np.asarray(head, dtype=np.float32), features[order[0]]])


@dataclass(frozen=True)
class Judgement:
    best: int          # index of the chosen candidate
    scores: np.ndarray  # the ranker's probability per candidate
    confidence: float  # calibrated probability that the chosen candidate answers the question
    answered: bool
    vetoed: bool = False  # a veto fired (e.g. the question names something no article uses): not answered


class AnswerModel:
    def __init__(self, directory: Path = MODEL_DIR) -> None:
        import onnxruntime as ort

        config = json.loads((directory / "calibration.json").read_text(encoding="utf-8"))
        if tuple(config["features"]) != FEATURE_NAMES or tuple(config["judge_features"]) != JUDGE_FEATURE_NAMES:
            raise ValueError(f"the answer model in {directory} was trained on other features; "
                             "retrain it with `make train-answerer`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._ranker = ort.InferenceSession(str(directory / "ranker.onnx"), options, providers=["CPUExecutionProvider"])
        self._judge = ort.InferenceSession(str(directory / "judge.onnx"), options, providers=["CPUExecutionProvider"])
        self._x = np.asarray(config["isotonic"]["x"], dtype=np.float64)
        self._y = np.asarray(config["isotonic"]["y"], dtype=np.float64)
        self.threshold = float(config["threshold"])
        # Each veto: abstain when the best candidate's feature exceeds `above`; its confidence is how often
        # such a best sentence was right out of fold (calibrated as a group). See eval/train_answerer.py.
        self._vetoes = [(FEATURE_NAMES.index(v["feature"]), float(v["above"]), float(v["confidence"]))
                        for v in config["vetoes"]]

    def rank(self, features: np.ndarray) -> np.ndarray:
        return _positive(self._ranker, features)

    def judge(self, features: np.ndarray) -> Judgement:
        scores = self.rank(features)
        best = int(np.argmax(scores))
        raw = float(_positive(self._judge, judge_features(scores, features)[None, :])[0])
        confidence = round(float(np.interp(raw, self._x, self._y)), 4)
        fired = next((v for v in self._vetoes if float(features[best, v[0]]) > v[1]), None)
        vetoed = fired is not None
        if vetoed:
            confidence = fired[2]
        return Judgement(best, scores, confidence, confidence >= self.threshold and not vetoed, vetoed)


def _positive(session, features: np.ndarray) -> np.ndarray:
    outputs = session.run(None, {session.get_inputs()[0].name: np.ascontiguousarray(features, dtype=np.float32)})
    return outputs[1][:, 1]


@lru_cache(maxsize=2)
def load_answer_model(directory: Path = MODEL_DIR) -> AnswerModel:
    return AnswerModel(directory)
