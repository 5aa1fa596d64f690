"""Cite stage: where does a pasted quote come from, and was it quoted faithfully?

Three searches, strongest first:
1. exact: the normalized quote occurs in a normalized article (every occurrence, all articles);
2. near: fuzzy alignment (rapidfuzz) of the quote inside the regions the lexical and dense indexes
   retrieve for it, snapped to word boundaries; scored by character similarity, with a word diff;
3. paraphrase, only when 1 and 2 find nothing: sentences whose embedding is close to the quote's and
   that share its informative words and every figure it states.
A quote that passes none of the thresholds is `not_found`: attributing a fabricated quote to an
article is worse than finding nothing. Thresholds are settings, calibrated on eval/quotes.jsonl.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from index.lexical import tokenize
from index.sentences import Sentence
from index.store import CorpusIndex
from service.answer import SentenceScorer
from service.models import DiffOp, RetrievalMode, Verdict
from service.normalize import Normalized, is_word_char, normalize
from service.retrieve import Retriever
from service.worddiff import word_diff

_QUOTE_MARKS = "\"' "
_TERMINAL = ",;:!?."
_CLOSING = ".!?…\"'”’)"


@dataclass(frozen=True)
class CiteRules:
    near_min_similarity: float = 0.8
    paraphrase_min_similarity: float = 0.7
    paraphrase_min_shared: float = 0.2
    candidate_pool: int = 10
    max_matches: int = 10


@dataclass(frozen=True)
class ParsedQuote:
    """A pasted quote, parsed once for all three searches: folded, cut to its core, tokenized, embedded."""

    text: str                # as pasted
    normalized: Normalized   # typography folded, with offsets back into `text`
    core: str                # the folded text without the quoting marks and punctuation around it
    pasted_core: str         # the same core in the pasted wording
    ends_in_punctuation: bool
    tokens: frozenset[str]
    figures: frozenset[str]  # every number it states: a changed figure is a different claim
    vector: np.ndarray


@dataclass(frozen=True, slots=True)
class Found:
    doc_id: str
    start: int  # offsets into the original article text
    end: int
    verdict: Verdict
    score: float
    diff: list[DiffOp] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ParaphraseCandidate:
    sentence: Sentence
    cosine: float
    shared: float  # IDF-weighted share of the quote's words in the sentence and the one before it


class QuoteFinder:
    """Built once per index: keeps every article normalized, with its offset map."""

    def __init__(self, index: CorpusIndex, retriever: Retriever, scorer: SentenceScorer,
                 rules: CiteRules = CiteRules()) -> None:
        self.index = index
        self.retriever = retriever
        self.scorer = scorer
        self.rules = rules
        self.normalized = {doc_id: normalize(doc.text) for doc_id, doc in index.documents.items()}

    def parse(self, quote: str) -> ParsedQuote | None:
        """The quote parsed once for every search; None when it holds no word to look for."""
        pasted = normalize(quote)
        if not any(is_word_char(c) or not c.isascii() for c in pasted.text):
            return None
        core = _strip_ends(pasted.text, keep_ellipsis=False)
        core_start = pasted.text.index(core)
        pasted_start, pasted_end = pasted.original_span(core_start, core_start + len(core))
        tokens = frozenset(tokenize(quote))
        return ParsedQuote(quote, pasted, core, quote[pasted_start:pasted_end],
                           quote.rstrip() != quote[:pasted_end], tokens,
                           frozenset(t for t in tokens if t[0].isdigit()), self.retriever.queries.embed_query(quote))

    def find(self, quote: ParsedQuote | None, paraphrase: bool = True) -> list[Found]:
        """Every place the quote comes from, best first; empty when it is not in the articles.
        `paraphrase=False` for a text of several sentences: one sentence is not its paraphrase."""
        if quote is None:
            return []
        found = self._exact(quote.normalized.text)
        found += self._near(quote, taken=found)
        if not found and paraphrase:
            found = self._paraphrase(quote)
        return found[: self.rules.max_matches]

    def _exact(self, pasted: str) -> list[Found]:
        for variant in dict.fromkeys((pasted, _strip_ends(pasted, keep_ellipsis=True))):
            hits = [Found(doc_id, *norm.original_span(s, s + len(variant)), Verdict.exact, 1.0)
                    for doc_id, norm in self.normalized.items() for s in _occurrences(norm.text, variant)]
            if hits:
                return hits
        return []

    def _near(self, quote: ParsedQuote, taken: list[Found]) -> list[Found]:
        core = quote.core
        if len(core) < 2:
            return []
        found = []
        for doc_id, start, end in self._regions(quote):
            norm = self.normalized[doc_id]
            lo, hi = bisect_left(norm.starts, start), bisect_left(norm.starts, end)
            for s, e, score in self._alignments(core, norm.text, lo, hi):
                o_start, o_end = norm.original_span(s, e)
                if any(f.doc_id == doc_id and f.start < o_end and o_start < f.end for f in taken + found):
                    continue
                text = self.index.documents[doc_id].text
                if quote.ends_in_punctuation:  # so does the source
                    while o_end < len(text) and text[o_end] in _CLOSING:
                        o_end += 1
                original = text[o_start:o_end]
                if not quote.figures <= _figures(original):
                    continue  # a changed figure is a different claim, not a misquote of this one
                found.append(Found(doc_id, o_start, o_end, Verdict.near, round(score, 4),
                                   word_diff(original, quote.text.strip())))
        return sorted(found, key=lambda f: -f.score)

    def _regions(self, quote: ParsedQuote) -> list[tuple[str, int, int]]:
        """Original-text spans around the chunks either index ranks for the quote, merged per article."""
        ranking = self.retriever.ranking(quote.text, RetrievalMode.hybrid, self.rules.candidate_pool,
                                         query_vector=quote.vector)
        length = len(quote.pasted_core)
        spans: dict[str, list[tuple[int, int]]] = {}
        for item in (item for leg in ranking.legs.values() for item in leg):
            chunk = self.index.chunks[item.chunk_id]
            size = len(self.index.documents[chunk.doc_id].text)
            spans.setdefault(chunk.doc_id, []).append((max(0, chunk.start - length), min(size, chunk.end + length)))
        regions = []
        for doc_id, items in spans.items():
            items.sort()
            merged = [list(items[0])]
            for s, e in items[1:]:
                if s <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], e)
                else:
                    merged.append([s, e])
            regions += [(doc_id, s, e) for s, e in merged]
        return regions

    def _alignments(self, core: str, text: str, lo: int, hi: int, depth: int = 0) -> list[tuple[int, int, float]]:
        """Non-overlapping alignments of `core` in text[lo:hi] above the near threshold."""
        cutoff = self.rules.near_min_similarity
        if hi - lo < len(core) // 2 or depth > 3:
            return []
        aligned = fuzz.partial_ratio_alignment(core, text[lo:hi], score_cutoff=100 * (cutoff - 0.1))
        if aligned is None or aligned.score == 0:
            return []
        s, e, score = _snap(core, text, lo + aligned.dest_start, lo + aligned.dest_end, lo, hi)
        found = [(s, e, score)] if score >= cutoff else []
        return (found + self._alignments(core, text, lo, s, depth + 1)
                + self._alignments(core, text, e, hi, depth + 1))

    def _paraphrase(self, quote: ParsedQuote) -> list[Found]:
        rules = self.rules
        return [Found(c.sentence.doc_id, c.sentence.start, c.sentence.end, Verdict.paraphrase, round(c.cosine, 4))
                for c in self.paraphrase_candidates(quote)
                if c.cosine >= rules.paraphrase_min_similarity and c.shared >= rules.paraphrase_min_shared]

    def paraphrase_candidates(self, quote: ParsedQuote) -> list[ParaphraseCandidate]:
        """The sentences closest in meaning that state every figure of the quote, most similar first."""
        candidates = []
        for hit in self.index.backend.similar_sentences(quote.vector, self.rules.candidate_pool):
            sentence, score = self.index.sentences[hit.row], hit.score
            context = self.scorer.tokens[sentence.id] | self._previous_tokens(sentence)
            if quote.figures <= context:  # a different figure is a different claim
                candidates.append(ParaphraseCandidate(sentence, float(score),
                                                      self.scorer.coverage(quote.tokens, context)))
        return candidates

    def _previous_tokens(self, sentence) -> set[str]:
        """A sentence like 'By 2024, the number was just 686,000.' leans on the one before it."""
        previous = self.index.sentences[sentence.id - 1] if sentence.id > 0 else None
        return self.scorer.tokens[previous.id] if previous and previous.doc_id == sentence.doc_id else set()


def _occurrences(text: str, needle: str):
    """Start offsets of `needle` in `text` that do not cut a word in two."""
    if not needle:
        return
    at = text.find(needle)
    while at != -1:
        end = at + len(needle)
        if _is_boundary(text, at) and _is_boundary(text, end):
            yield at
        at = text.find(needle, at + 1)


def _is_boundary(text: str, at: int) -> bool:
    return at <= 0 or at >= len(text) or not (is_word_char(text[at - 1]) and is_word_char(text[at]))


def _snap(core: str, text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int, float]:
    """Move an alignment's ends to word boundaries nearby, keeping the most similar span: the
    partial alignment has the quote's length, but a quote that dropped or added words has not."""
    slack = max(12, len(core) // 3)
    starts = [p for p in range(max(lo, start - slack), min(hi, start + slack) + 1) if _is_boundary(text, p)]
    ends = [p for p in range(max(lo, end - slack), min(hi, end + slack) + 1) if _is_boundary(text, p)]
    # Start from the nearest boundaries, so the span never cuts a word ("work" is not in "workers").
    start = min(starts, key=lambda p: abs(p - start), default=start)
    end = min((p for p in ends if p > start), key=lambda p: abs(p - end), default=end)
    best = (fuzz.ratio(core, text[start:end]) / 100, start, end)
    for _ in range(2):  # coordinate ascent: best start for this end, then best end for that start
        for s in starts:
            if s < best[2]:
                best = max(best, (fuzz.ratio(core, text[s:best[2]]) / 100, s, best[2]))
        for e in ends:
            if e > best[1]:
                best = max(best, (fuzz.ratio(core, text[best[1]:e]) / 100, best[1], e))
    score, s, e = best
    while s < e and text[s] == " ":
        s += 1
    return s, e, score


def _strip_ends(text: str, keep_ellipsis: bool) -> str:
    """Drop the quoting marks and sentence punctuation around a pasted quote; an ellipsis at either
    end says the quote was cut, so it stays for the exact search and goes for alignment."""
    previous = None
    while text != previous:
        previous = text
        text = text.strip(_QUOTE_MARKS)
        if not keep_ellipsis:
            text = text.strip(_TERMINAL)
        elif text[-1:] in tuple(_TERMINAL) and not text.endswith("..."):
            text = text[:-1]
    return text


def _figures(text: str) -> set[str]:
    return {t for t in tokenize(text) if t[0].isdigit()}
