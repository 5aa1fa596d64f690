"""MODEL_CARD.md for the answer model: what it was trained on, how, and how well it does on articles
it never saw. Written by eval/train_answerer.py; the held-out table is filled by bench/squad.py."""

from __future__ import annotations

import json
from pathlib import Path

HELDOUT_MARK = "<!-- held-out figures: written by `python -m bench.squad --update-card` -->"


def write_model_card(directory: Path, heldout: dict | None = None) -> Path:
    config = json.loads((directory / "calibration.json").read_text(encoding="utf-8"))
    cv, training, params = config["cross_validation"], config["training"], config["params"]
    sizes = {p.name: p.stat().st_size for p in sorted(directory.glob("*.onnx"))}
    lines = [
        "# runri-qa answer model",
        "",
        "Picks the sentence that answers a question among the retrieved candidates, and says how likely",
        "that answer is right (a calibrated probability). No generation: the answer is always a sentence",
        "of the articles, cited by its exact offsets.",
        "",
        "## Design",
        "- `ranker.onnx`: gradient-boosted trees (scikit-learn HistGradientBoostingClassifier, exported with",
        "  skl2onnx) over the features of `service/answer_features.py`: embedding cosine of question and",
        "  sentence (all-MiniLM-L6-v2), IDF-weighted word coverage in the sentence, its neighbours and its",
        "  passage, phrase (bigram) overlap, names and figures of the question missing nearby, what the",
        "  sentence adds (a new figure, year or name), question type, retrieval rank and leg.",
        "- `judge.onnx`: gradient-boosted trees over how the ranker's best candidate stands out (its",
        "  probability, the runner-up's, the margin) and its features: is that best answer right?",
        "- `calibration.json`: isotonic map from the judge's output to a calibrated probability, the",
        "  abstention threshold, and the names veto (abstain when the best sentence lacks names the",
        "  question hinges on) if it helped; all chosen out of fold, the veto only when it raised accuracy.",
        f"- Files: {', '.join(f'{name} {size / 1024:.0f} KB' for name, size in sizes.items())}.",
        "",
        "## Data",
        "SQuAD 1.1 and 2.0 dev sets (Rajpurkar et al. 2016; Rajpurkar, Jia & Liang 2018), CC BY-SA 4.0,",
        "as shipped in `../shared/bench-data/squad/` (provenance and checksums in its README). The articles",
        "are split by title across both versions (`eval/squad.py`, salted hash): a quarter of the SQuAD 2.0",
        "titles and a quarter of the 1.1-only titles are held out and never read by the training.",
        "",
        f"- Training: {training['articles']} articles, {training['questions']} questions "
        f"({training['answerable']} answerable), {training['candidates']} candidate sentences taken from",
        "  the service's own retrieval over the training articles (hard negatives).",
        "- Held out: see the table below (`eval.squad.heldout_titles()`).",
        "",
        "## Training",
        f"- Candidates: sentences of the top {params['depth']} passages plus each retriever's first "
        f"{params['leg_depth']} chunks.",
        f"- Ranker: {params['ranker_iterations']} iterations, judge: {params['judge_iterations']}, learning rate "
        f"{params['learning_rate']}, {params['leaves']} leaves, seed {config['seed']}.",
        f"- Judge, calibration and threshold from {params['folds']}-fold out-of-fold predictions grouped by article;",
        "  calibration and threshold on the SQuAD 2.0 training questions (half unanswerable).",
        "- Reproduce: `make train-answerer` (2 CPU cores, no GPU).",
        "",
        "## Cross-validation on the training articles (for choosing, not for reporting)",
        "",
        "| threshold | names veto | P@1 | overall accuracy | answerable wrongly abstained |",
        "|---|---|---|---|---|",
        f"| {cv['threshold']} | {_veto(cv.get('veto'))} | {cv['p_at_1']:.3f} | {cv['overall_accuracy']:.3f} | "
        f"{cv['answerable_wrongly_abstained']:.3f} |",
        "",
        "## Held-out articles (the reported figures)",
        HELDOUT_MARK,
        "",
    ]
    if heldout:
        lines += ["| set | questions | P@1 | overall accuracy | answerable wrongly abstained | ECE |",
                  "|---|---|---|---|---|---|"]
        for name, scores in heldout.items():
            m = scores["metrics"]
            lines.append(f"| {name} | {scores['counts']['questions']} | {m.get('answer_accuracy_P@1')} | "
                         f"{m.get('overall_accuracy', '—')} | {m.get('answerable_wrongly_abstained_rate', '—')} | "
                         f"{scores['calibration']['ece']} |")
        lines += ["", "Reproduce: `make bench-squad`."]
    else:
        lines.append("Not measured yet: run `make bench-squad`.")
    lines += ["", "## Limits",
              "- Trained on encyclopaedia questions (SQuAD); news questions of other shapes transfer less well",
              "  (see the README's eval figures on `eval/questions.jsonl`).",
              "- English only: the features are English word overlap and an English embedding model.",
              "- Licence of the training data: CC BY-SA 4.0; keep this attribution with the weights.", ""]
    path = directory / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _veto(veto: dict | None) -> str:
    return f"{veto['feature']} > {veto['above']}" if veto else "none"
