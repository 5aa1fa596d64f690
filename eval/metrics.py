"""Metrics as pure functions. Relevance is judged at character level: a retrieved passage is relevant
when it overlaps a gold evidence span. Each gold span is credited once, to the first passage that
overlaps it, so a ranking that repeats one piece of evidence gains nothing from the repeat."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from eval.evidence import Evidence, GoldSpan, fold

Located = tuple[str, int, int]  # (doc_id, start, end)


def credited_evidence(passages: Sequence[Located], evidence: Sequence[Evidence | GoldSpan]) -> list[int | None]:
    """For each passage, the index of the gold span it is the first to cover, or None (not relevant)."""
    credited: set[int] = set()
    labels: list[int | None] = []
    for doc_id, start, end in passages:
        hit = next((i for i, span in enumerate(evidence)
                    if i not in credited and span.overlaps(doc_id, start, end)), None)
        if hit is not None:
            credited.add(hit)
        labels.append(hit)
    return labels


def recall_at_k(labels: Sequence[int | None], n_relevant: int, k: int) -> float:
    return sum(label is not None for label in labels[:k]) / n_relevant if n_relevant else 0.0


def reciprocal_rank(labels: Sequence[int | None], k: int = 10) -> float:
    return next((1.0 / rank for rank, label in enumerate(labels[:k], start=1) if label is not None), 0.0)


def ndcg_at_k(labels: Sequence[int | None], n_relevant: int, k: int = 10) -> float:
    """Binary gains, log2 discount; the ideal ranking puts all gold spans first."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, label in enumerate(labels[:k], start=1) if label is not None)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_relevant, k) + 1))
    return dcg / ideal if ideal else 0.0


def contains_answer(excerpt: str, gold_answer: str) -> bool:
    """By the product's own folding (quotes, dashes, ellipses, spacing, case), as /cite compares."""
    return fold(gold_answer) in fold(excerpt)


def span_iou(located: Located, evidence: Sequence[GoldSpan]) -> float:
    """Best intersection-over-union of the answer span with a gold span of the same document."""
    doc_id, start, end = located
    best = 0.0
    for span in evidence:
        if span.doc_id == doc_id:
            inter = max(0, min(end, span.end) - max(start, span.start))
            union = max(end, span.end) - min(start, span.start)
            best = max(best, inter / union if union else 0.0)
    return best


def abstention_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float]:
    """Precision/recall of abstaining on the unanswerable questions, and the share of answerable
    questions wrongly abstained on."""
    pairs = list(zip(abstained, answerable))
    right = sum(a and not ans for a, ans in pairs)
    total_abstained = sum(a for a, _ in pairs)
    unanswerable = sum(not ans for _, ans in pairs)
    answerable_count = sum(ans for _, ans in pairs)
    return {
        "precision": right / total_abstained if total_abstained else 1.0,
        "recall": right / unanswerable if unanswerable else 1.0,
        "false_abstention_rate": sum(a and ans for a, ans in pairs) / answerable_count if answerable_count else 0.0,
    }


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    if not samples_ms:
        return {}
    values = np.asarray(samples_ms, dtype=float)
    return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2),
            "n": float(len(values))}


def mean(values: Sequence[float]) -> float:
    return round(float(np.mean(values)), 4) if len(values) else 0.0
