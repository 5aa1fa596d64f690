"""The multilingual gold set: Chinese and Japanese questions and misspelled names, judged like the English ones.

`questions_multilingual.jsonl` rows are {id, of, lang, question[, did_you_mean]}: each asks what the
English gold question `of` asks (written as a reader of that language would ask it, not translated word
for word), so it shares that question's answer and evidence. Rows with lang "en" spell a name wrongly
(or in another order or variant) and say which correction the response should report.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from eval import metrics as m
from eval.gold import EVAL_DIR, QUESTIONS, GoldError, GoldQuestion
from service.engine import Engine
from service.models import RetrievalMode

MULTILINGUAL = EVAL_DIR / "questions_multilingual.jsonl"
LANGUAGES = ("zh", "ja")
K = 10


@dataclass(frozen=True)
class VariantQuestion:
    question: GoldQuestion  # the English question's answer and evidence, with this row's id and wording
    of: str
    lang: str
    did_you_mean: dict[str, str] | None


def load_variants(questions: list[GoldQuestion], path: Path = MULTILINGUAL) -> list[VariantQuestion]:
    """The rows whose English question is in `questions` (none for another corpus' gold set)."""
    by_id = {q.id: q for q in questions}
    variants = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            english = by_id.get(row["of"])
            if english is None:
                continue
            variants.append(VariantQuestion(replace(english, id=row["id"], question=row["question"]), row["of"],
                                            row["lang"], row.get("did_you_mean")))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldError([f"{path.name}:{number}: {exc!r}; a row is {{id, of, lang, question[, did_you_mean]}}"])
    return variants


def judges_project_gold(files: dict[str, str]) -> bool:
    """The multilingual rows translate the project's own questions: judge them only with those."""
    shown = files.get("questions")
    return shown is not None and Path(shown).resolve() == QUESTIONS.resolve()


def run_multilingual(engine: Engine, questions: list[GoldQuestion], timer):
    """Metrics per language and for misspelled names, or None when the gold set has no such rows."""
    variants = load_variants(questions)
    if not variants:
        return None
    engine.retriever.clear_caches()
    by_id = {q.id: q for q in questions}
    values: dict[str, float] = {}
    outcomes: dict[str, dict[str, bool]] = {}
    rows = []
    groups: dict[str, list[VariantQuestion]] = defaultdict(list)
    for v in variants:
        groups["names" if v.lang == "en" else f"multilingual.{v.lang}"].append(v)
    for group, members in groups.items():
        recall, english, contains, answered, corrected, abstained_right = [], [], {}, {}, {}, {}
        hits = {}
        for v in members:
            q = v.question
            ask = timer.time(f"/ask {v.lang}", lambda: engine.ask(q.question))
            answer = ask.answer
            row = {"id": q.id, "question": q.question, "language": ask.language, "did_you_mean": ask.did_you_mean,
                   "answer": answer.text if answer else None, "abstained_reason": ask.abstained_reason,
                   "confidence": ask.confidence}
            if v.did_you_mean is not None:
                corrected[q.id] = ask.did_you_mean == v.did_you_mean
            if not q.answerable:
                abstained_right[q.id] = answer is None
                rows.append(row)
                continue
            labels = _labels(engine, q.question, q)
            recall.append(m.recall_at_k(labels, len(q.evidence), 5))
            english.append(m.recall_at_k(_labels(engine, by_id[v.of].question, q), len(q.evidence), 5))
            hits[q.id] = any(label is not None for label in labels[:5])
            answered[q.id] = answer is not None
            contains[q.id] = answer is not None and m.contains_answer(answer.text, q.answer)
            rows.append({**row, "recall@5": recall[-1], "contains_gold": contains[q.id]})
        values[f"{group}.recall@5"] = m.mean(recall)
        values[f"{group}.recall@5_english"] = m.mean(english)
        values[f"{group}.recall@5_vs_english"] = round(m.mean(recall) / m.mean(english), 4) if m.mean(english) else 0.0
        values[f"{group}.contains_gold"] = m.mean([float(x) for x in contains.values()])
        values[f"{group}.answered"] = m.mean([float(x) for x in answered.values()])
        if abstained_right:
            values[f"{group}.abstained_unanswerable"] = m.mean([float(x) for x in abstained_right.values()])
        if corrected:
            values[f"{group}.did_you_mean"] = m.mean([float(x) for x in corrected.values()])
        outcomes.update({f"{group}.hit@5": hits, f"{group}.contains_gold": contains})
    return values, outcomes, rows


def _labels(engine: Engine, question: str, gold: GoldQuestion) -> list:
    result = engine.search(question, K, RetrievalMode.hybrid)
    return m.credited_evidence([(p.doc_id, p.start, p.end) for p in result.passages], gold.evidence)
