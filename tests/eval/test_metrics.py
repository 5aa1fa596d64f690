import pytest

from eval import metrics as m
from eval.gold import GoldSpan

E = (GoldSpan("a", 100, 200), GoldSpan("b", 0, 50))


def test_credit_goes_to_the_first_passage_covering_each_span():
    passages = [("a", 0, 90), ("a", 150, 400), ("a", 180, 220), ("b", 40, 60)]
    assert m.credited_evidence(passages, E) == [None, 0, None, 1]


def test_ranking_metrics_by_hand():
    labels = [None, 0, None, 1]
    assert m.recall_at_k(labels, 2, 1) == 0.0
    assert m.recall_at_k(labels, 2, 2) == 0.5
    assert m.recall_at_k(labels, 2, 10) == 1.0
    assert m.reciprocal_rank(labels) == 0.5
    # DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3)
    assert m.ndcg_at_k(labels, 2) == pytest.approx((1 / 1.5849625 + 1 / 2.3219281) / (1 + 1 / 1.5849625))
    assert m.reciprocal_rank([None] * 12 + [0]) == 0.0
    assert m.ndcg_at_k([], 3) == 0.0


def test_answer_containment_folds_text_as_the_product_does():
    """The rules of service/normalize.py, which /cite uses: spaces around dashes and ellipses are typesetting."""
    assert m.contains_answer("the “Japanese First” platform", '"japanese first"')
    assert m.contains_answer("from 2019 – 2023", "2019 - 2023")
    assert m.contains_answer("from 2019 – 2023", "2019-2023")
    assert m.contains_answer("and so on…", "so on...")
    assert m.contains_answer("the «run» wave", '"run" wave')
    assert not m.contains_answer("870,000 residents", "870,001")


def test_span_iou_uses_the_best_span_of_the_same_document():
    assert m.span_iou(("a", 100, 200), E) == 1.0
    assert m.span_iou(("a", 150, 250), E) == pytest.approx(50 / 150)
    assert m.span_iou(("c", 100, 200), E) == 0.0


def test_abstention_scores_by_hand():
    abstained = [True, True, False, False, True]
    answerable = [False, True, True, False, False]
    scores = m.abstention_scores(abstained, answerable)
    assert scores == {"precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3),
                      "false_abstention_rate": 0.5}
