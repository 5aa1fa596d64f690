"""Typed pieces of citation lookup shared by its modules (service/cite.py and the ones it uses)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from index.sentences import Sentence
from service.models import DiffOp, MaterialChange, Verdict
from service.settings import Settings


@dataclass(frozen=True)
class CiteRules:
    """Thresholds and bounds of citation lookup. Their values, and defaults, are the RUNRI_CITE_* settings
    (calibrated by `make calibrate-cite`): see `of`."""

    near_min_similarity: float
    altered_min_wording: float
    paraphrase_min_similarity: float
    paraphrase_min_shared: float
    candidate_pool: int
    max_matches: int
    piece_max_chars: int
    omission_max_chars: int
    paraphrase_max_sentences: int
    time_budget_s: float
    unmarked_gap_max_chars: int = 200  # longest gap between pieces that no ellipsis marks; not a setting

    @classmethod
    def of(cls, settings: Settings) -> CiteRules:
        return cls(**{name: getattr(settings, f"cite_{name}") for name in _SETTINGS})


_SETTINGS = ("near_min_similarity", "altered_min_wording", "paraphrase_min_similarity", "paraphrase_min_shared",
             "candidate_pool", "max_matches", "piece_max_chars", "omission_max_chars", "paraphrase_max_sentences",
             "time_budget_s")


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
