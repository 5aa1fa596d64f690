import pytest

from service.fuse import reciprocal_rank_fusion


def test_rrf_matches_hand_computed_scores():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], k=60)
    expected = {"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 63, "d": 1 / 62}
    assert [item for item, _ in fused] == ["b", "a", "d", "c"]
    assert dict(fused) == pytest.approx(expected)


def test_rrf_of_nothing_is_nothing():
    assert reciprocal_rank_fusion([]) == []
    assert reciprocal_rank_fusion([[], []]) == []


def test_rrf_ties_keep_first_seen_order():
    assert [i for i, _ in reciprocal_rank_fusion([["x"], ["y"]])] == ["x", "y"]
