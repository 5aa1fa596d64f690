"""Typed pieces of citation lookup shared by its modules (service/cite.py and the ones it uses)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from index.sentences import Sentence
from service.models import DiffOp, MaterialChange, Verdict


@dataclass(frozen=True)
class CiteRules:
    """Thresholds and bounds of citation lookup (RUNRI_CITE_*; calibrated by `make calibrate-cite`)."""

    near_min_similarity: float = 0.8
    altered_min_wording: float = 0.85
    paraphrase_min_similarity: float = 0.7
    paraphrase_min_shared: float = 0.2
    candidate_pool: int = 10
    max_matches: int = 10
    piece_max_chars: int = 400
    omission_max_chars: int = 1000
    unmarked_gap_max_chars: int = 200
    paraphrase_max_sentences: int = 64
    time_budget_s: float = 2.0


@dataclass(frozen=True, slots=True)
class Found:
    """One place a quote comes from, at the article's own offsets."""

    doc_id: str
    start: int
    end: int
    verdict: Verdict
    score: float
    wording: float = 1.0  # similarity with figures masked and negations removed (near and altered)
    diff: tuple[DiffOp, ...] = ()
    material: tuple[MaterialChange, ...] = ()
    omissions: tuple[tuple[int, int], ...] = ()  # what the ellipses stand for

    @property
    def order(self) -> tuple[int, float]:
        return self.verdict.rank, -self.score


@dataclass(frozen=True)
class CheckedSpan:
    """One checked stretch of the pasted text (the whole, or a sentence) and where it comes from."""

    start: int
    end: int
    found: list[Found]


@dataclass(frozen=True)
class Checked:
    """The finder's answer for one pasted text."""

    whole: CheckedSpan
    sentences: list[CheckedSpan]
    partial: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ParaphraseCandidate:
    sentence: Sentence
    cosine: float
    shared: float  # IDF-weighted share of the quote's words in the sentence and the one before it


@dataclass
class Deadline:
    """The end of a request's time budget."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def passed(self) -> bool:
        return time.monotonic() > self.at


class OutOfTime(Exception):
    """The request's time budget ran out."""
