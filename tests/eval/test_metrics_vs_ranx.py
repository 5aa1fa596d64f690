"""Differential test: our character-level retrieval metrics equal ranx's on the same real runs."""

import pytest
from ranx import Qrels, Run, evaluate

from eval import metrics as m
from eval.gold import load_questions
from service.models import RetrievalMode


@pytest.mark.parametrize("mode", list(RetrievalMode))
def test_metrics_agree_with_ranx(engine, mode):
    questions = [q for q in load_questions(engine.index.documents) if q.answerable]
    qrels, run, ours = {}, {}, {"recall@1": [], "recall@5": [], "recall@10": [], "mrr@10": [], "ndcg@10": []}
    for q in questions:
        passages = engine.search(q.question, 10, mode).passages
        labels = m.credited_evidence([(p.doc_id, p.start, p.end) for p in passages], q.evidence)
        qrels[q.id] = {f"e{i}": 1 for i in range(len(q.evidence))}
        run[q.id] = {(f"e{label}" if label is not None else f"miss{rank}"): 1.0 / rank
                     for rank, label in enumerate(labels, start=1)}
        n = len(q.evidence)
        for k in (1, 5, 10):
            ours[f"recall@{k}"].append(m.recall_at_k(labels, n, k))
        ours["mrr@10"].append(m.reciprocal_rank(labels, 10))
        ours["ndcg@10"].append(m.ndcg_at_k(labels, n, 10))
    theirs = evaluate(Qrels(qrels), Run(run), list(ours), make_comparable=True)
    for name, values in ours.items():
        assert sum(values) / len(values) == pytest.approx(theirs[name], abs=1e-6), name
