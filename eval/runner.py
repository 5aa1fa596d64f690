"""Run the gold set through the engine and collect per-question outcomes and their means."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable

from pydantic import BaseModel

from eval import metrics as m
from eval.gold import GoldQuestion, GoldQuote, GoldSet, load_gold
from eval.multilingual import judges_project_gold, run_multilingual
from index.manifest import utc_now
from service.engine import Engine
from service.models import RetrievalMode

RETRIEVAL_K = 10


class Report(BaseModel):
    """Flat metric names ("retrieval.hybrid.recall@5") so the gate compares them one by one; only the
    metrics the gold set measures (no quote cases, no cite metrics)."""

    created_at: str
    settings: dict
    gold: dict[str, str]  # "questions" / "quotes" -> the file judged
    metrics: dict[str, float | None]
    per_question: dict[str, dict[str, bool]]  # outcome name -> {case id: hit}
    cases: dict[str, str]  # case id -> its question or quote
    latency_ms: dict[str, dict[str, float]]
    details: dict[str, list[dict]]


def run_eval(engine: Engine, gold: GoldSet | None = None, progress: bool = False) -> Report:
    """Judge the engine on a gold set (default: the project's own files). `progress`: a bar on stderr,
    request by request (a run takes a minute or more on 2 cores)."""
    gold = gold or load_gold(engine.index.documents)
    questions, quotes = gold.questions, gold.quotes
    requests = len(RetrievalMode) * sum(q.answerable for q in questions) + len(questions) + len(quotes)
    timer = _Timer(requests if progress else 0)
    metrics: dict[str, float | None] = {}
    per_question: dict[str, dict[str, bool]] = {}
    details: dict[str, list[dict]] = {}

    for mode in RetrievalMode if questions else ():
        values, hits, rows = _retrieval(engine, questions, mode, timer)
        metrics.update({f"retrieval.{mode.value}.{name}": v for name, v in values.items()})
        per_question.update({f"retrieval.{mode.value}.{name}": outcome for name, outcome in hits.items()})
        details[f"retrieval.{mode.value}"] = rows
    for section, run, cases in (("answer", _answers, questions), ("cite", _citations, quotes)):
        if not cases:
            continue
        values, outcomes, rows = run(engine, cases, timer)
        metrics.update(values)
        per_question.update(outcomes)
        details[section] = rows
    produced = run_multilingual(engine, questions, timer) if judges_project_gold(gold.files) else None
    if produced is not None:  # Chinese, Japanese and misspelled-name versions of the project's questions
        values, outcomes, rows = produced
        metrics.update(values)
        per_question.update(outcomes)
        details["multilingual"] = rows
    timer.close()
    return Report(
        created_at=utc_now(),
        settings={"chunk_size": engine.settings.chunk_size, "chunk_overlap": engine.settings.chunk_overlap,
                  "rrf_k": engine.settings.rrf_k, "candidate_pool": engine.settings.candidate_pool,
                  "documents": len(engine.index.documents), "questions": len(questions), "quotes": len(quotes),
                  "build_compute": engine.index.manifest.build_compute},
        gold=gold.files,
        metrics=metrics,
        per_question=per_question,
        cases=gold.texts,
        latency_ms={name: m.percentiles(samples) for name, samples in timer.samples.items()},
        details=details,
    )


def _retrieval(engine: Engine, questions: list[GoldQuestion], mode: RetrievalMode, timer: _Timer):
    engine.retriever.queries.clear()  # each mode's latency includes embedding its questions
    scores: dict[str, list[float]] = defaultdict(list)
    hits: dict[str, dict[str, bool]] = {"hit@1": {}, "hit@5": {}}
    rows = []
    for q in (q for q in questions if q.answerable):
        result = timer.time(f"/search {mode.value}", lambda: engine.search(q.question, RETRIEVAL_K, mode))
        located = [(p.doc_id, p.start, p.end) for p in result.passages]
        labels = m.credited_evidence(located, q.evidence)
        n = len(q.evidence)
        for k in (1, 5, 10):
            scores[f"recall@{k}"].append(m.recall_at_k(labels, n, k))
        scores["mrr@10"].append(m.reciprocal_rank(labels, 10))
        scores["ndcg@10"].append(m.ndcg_at_k(labels, n, 10))
        for k in (1, 5):
            hits[f"hit@{k}"][q.id] = any(label is not None for label in labels[:k])
        rows.append({"id": q.id, "labels": labels, "passages": located})
    return {name: m.mean(values) for name, values in scores.items()}, hits, rows


def _answers(engine: Engine, questions: list[GoldQuestion], timer: _Timer):
    engine.retriever.queries.clear()
    contains, iou, cited, abstained, answerable, rows = {}, [], {}, [], [], []
    correct_abstention, corroborated, listed_right = {}, {}, []
    for q in questions:
        result = timer.time("/ask", lambda: engine.ask(q.question))
        a = result.answer
        abstained.append(a is None)
        answerable.append(q.answerable)
        correct_abstention[q.id] = (a is None) != q.answerable
        rows.append({"id": q.id, "answer": a.text if a else None, "doc": a.doc_id if a else None,
                     "confidence": result.confidence, "gold": q.answer})
        if not q.answerable:
            continue
        contains[q.id] = a is not None and m.contains_answer(a.text, q.answer)
        iou.append(m.span_iou((a.doc_id, a.start, a.end), q.spans) if a else 0.0)
        cited[q.id] = a is not None and a.doc_id in {s.doc_id for s in q.evidence}
        if a is None:
            continue
        listed_right += [any(s.overlaps(c.doc_id, c.start, c.end) for s in q.evidence)
                         for c in result.also_reported_in]
        others = {s.doc_id for s in q.evidence} - {a.doc_id}
        if cited[q.id] and others:
            corroborated[q.id] = others <= {c.doc_id for c in result.also_reported_in}
    abst = m.abstention_scores(abstained, answerable)
    values = {
        "answer.contains_gold": m.mean([float(v) for v in contains.values()]),
        "answer.evidence_iou": m.mean(iou),
        "answer.cited_doc_correct": m.mean([float(v) for v in cited.values()]),
        # Of questions whose fact is in several articles and whose answer cites one of them:
        # share listing all the others. And: share of listed corroborations that are gold evidence.
        "answer.corroboration_recall": m.mean([float(v) for v in corroborated.values()]),
        "answer.corroboration_precision": m.mean([float(v) for v in listed_right]) if listed_right else 1.0,
        "abstention.precision": round(abst["precision"], 4),
        "abstention.recall": round(abst["recall"], 4),
        "abstention.false_abstention_rate": round(abst["false_abstention_rate"], 4),
    }
    outcomes = {"answer.contains_gold": contains, "answer.cited_doc_correct": cited,
                "abstention.correct": correct_abstention, "answer.corroborated": corroborated}
    return values, outcomes, rows


def _citations(engine: Engine, quotes: list[GoldQuote], timer: _Timer):
    correct, exact_offsets, rows = {}, {}, []
    by_kind: dict[str, list[float]] = defaultdict(list)
    for quote in quotes:
        check = timer.time("/cite", lambda: engine.cite(quote.text)).whole
        top = check.matches[0] if check.matches else None
        located_right = quote.expected == "not_found" or (
            top is not None and any(s.overlaps(top.doc_id, top.start, top.end) for s in quote.sources))
        correct[quote.id] = check.verdict.value == quote.expected and located_right
        by_kind[quote.kind.value].append(float(correct[quote.id]))
        if quote.alteration:  # figure, negation, ellipsis, dropped_words, ...: each kind of misquote on its own
            by_kind[f"alteration.{quote.alteration}"].append(float(correct[quote.id]))
        if quote.expected == "exact":
            found = {(x.doc_id, x.start, x.end) for x in check.matches if x.verdict.value == "exact"}
            exact_offsets[quote.id] = found == {(s.doc_id, s.start, s.end) for s in quote.sources}
        rows.append({"id": quote.id, "expected": quote.expected, "verdict": check.verdict.value,
                     "top": [top.doc_id, top.start, top.end, round(top.score, 3)] if top else None})
    values = {f"cite.accuracy.{kind}": m.mean(v) for kind, v in sorted(by_kind.items())}
    values["cite.accuracy"] = m.mean([float(v) for v in correct.values()])
    values["cite.offsets_exact"] = m.mean([float(v) for v in exact_offsets.values()])
    return values, {"cite.correct": correct, "cite.offsets_exact": exact_offsets}, rows


class _Timer:
    """Times each request by name; with `progress` requests to come, shows a bar as they go."""

    def __init__(self, progress: int = 0) -> None:
        from tqdm import tqdm

        self.samples: dict[str, list[float]] = defaultdict(list)
        self.bar = tqdm(total=progress, disable=not progress, unit="request", mininterval=0.5, file=sys.stderr)

    def time(self, name: str, call: Callable):
        started = time.perf_counter()
        result = call()
        self.samples[name].append((time.perf_counter() - started) * 1000)
        self.bar.set_description(f"eval {name}", refresh=False)
        self.bar.update()
        return result

    def close(self) -> None:
        self.bar.close()
