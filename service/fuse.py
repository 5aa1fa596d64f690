"""Fusion stage: reciprocal-rank fusion of ranked lists (Cormack, Clarke & Buettcher, 2009)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

# k dampens the weight of the very first ranks; 60 is the value from the paper and the usual default.
DEFAULT_RRF_K = 60


def reciprocal_rank_fusion(runs: Sequence[Sequence[Hashable]], k: int = DEFAULT_RRF_K) -> list[tuple[Hashable, float]]:
    """Fuse ranked lists of ids (best first) into one list of (id, score), best first.

    score(id) = sum over runs of 1 / (k + rank), rank starting at 1. Ties keep first-seen order.
    """
    scores: dict[Hashable, float] = {}
    for run in runs:
        for rank, item in enumerate(run, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
