"""Cite stage: where does a pasted text come from, and was it quoted faithfully?

The text is checked whole and, when it holds several sentences, sentence by sentence. Each check:
1. exact: the normalized text occurs in a normalized article (every occurrence, all articles);
2. otherwise the text is cut into pieces (service/pieces.py: at ellipses, and at most
   `piece_max_chars` long). The first piece is looked for in the whole corpus: exact occurrences, and
   word alignments inside the regions BM25 ranks for it. Each next piece is looked for only just after
   the previous one (within `omission_max_chars` after an ellipsis), so the cost grows with the number
   of pieces, not with the square of the text's length;
3. the aligned stretches are judged as a whole: `exact` (with the omitted spans listed when ellipses
   mark them), `near` (reworded: similar enough in characters), `altered` (a figure or a negation
   differs, but the rest of the wording aligns: service/material.py), or nothing;
4. paraphrase, for one sentence that nothing matched: sentences whose embedding is close to it and
   that share its informative words and every figure it states.
A text that passes none of the thresholds is `not_found`: attributing a fabricated quote to an
article is worse than finding nothing. Thresholds are settings, calibrated on eval/quotes.jsonl.
A request has a time budget; when it runs out, the sentences not yet checked are left out and the
result says so.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from index.lexical import tokenize
from index.sentences import Sentence, split_sentences
from index.store import CorpusIndex
from service.answer import SentenceScorer
from service.material import material_changes, only_dropped, wording_similarity
from service.models import DiffOp, MaterialChange, RetrievalMode, Verdict
from service.normalize import Normalized, is_word_char, normalize
from service.pieces import Piece, Pieces, split_pieces
from service.retrieve import Retriever
from service.worddiff import Words, word_opcodes

_QUOTE_MARKS = "\"' "
_TERMINAL = ",;:!?."
_CLOSING = ".!?…\"'”’)"
_OPENING = "\"'“‘("
_EDGE_WORDS = 3      # unmatched words at a quote's edge that may still be aligned as replaced words
_GAP_PENALTY = 0.25  # an article word inside an alignment but not in the quote costs this much of a match
_BEAM = 4            # partial alignments kept while the next piece is looked for
_EMBED_BATCH = 8     # sentences embedded together for the paraphrase search
_MIN_SHARED_WORDS = 3  # a reworded or altered quote shares at least this many words with its source


@dataclass(frozen=True)
class CiteRules:
    near_min_similarity: float = 0.8
    altered_min_wording: float = 0.85
    paraphrase_min_similarity: float = 0.7
    paraphrase_min_shared: float = 0.2
    candidate_pool: int = 10
    max_matches: int = 10
    piece_max_chars: int = 400
    omission_max_chars: int = 1000
    unmarked_gap_max_chars: int = 200
    time_budget_s: float = 2.0


@dataclass(frozen=True, slots=True)
class Found:
    doc_id: str
    start: int  # offsets into the original article text
    end: int
    verdict: Verdict
    score: float
    wording: float = 1.0  # similarity with figures masked and negations removed (near and altered)
    diff: tuple[DiffOp, ...] = ()
    material: tuple[MaterialChange, ...] = ()
    omissions: tuple[tuple[int, int], ...] = ()  # original offsets of what the ellipses stand for

    @property
    def order(self) -> tuple[int, float]:
        return self.verdict.rank, -self.score


@dataclass(frozen=True, slots=True)
class ParaphraseCandidate:
    sentence: Sentence
    cosine: float
    shared: float  # IDF-weighted share of the quote's words in the sentence and the one before it


@dataclass(frozen=True)
class CheckedSpan:
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
class _Hit:
    """One piece aligned in one article: normalized offsets, and how similar it is."""

    doc_id: str
    start: int
    end: int
    exact: bool
    similarity: float


@dataclass
class _Deadline:
    at: float

    def passed(self) -> bool:
        return time.monotonic() > self.at


class OutOfTime(Exception):
    """The request's time budget ran out."""


@dataclass(frozen=True)
class _Quote:
    """A pasted quote (or one piece of it), normalized once."""

    text: str
    norm: Normalized
    core: str  # the folded text without the quoting marks and punctuation around it
    words: Words = field(repr=False)

    @classmethod
    def of(cls, text: str) -> _Quote:
        norm = normalize(text)
        return cls(text, norm, _strip_ends(norm.text, keep_ellipsis=False), Words.of(text, norm))


class QuoteFinder:
    """Built once per index: keeps every article normalized and split into words."""

    def __init__(self, index: CorpusIndex, retriever: Retriever, scorer: SentenceScorer,
                 rules: CiteRules = CiteRules()) -> None:
        self.index = index
        self.retriever = retriever
        self.scorer = scorer
        self.rules = rules
        self.words = {doc_id: Words.of(doc.text) for doc_id, doc in index.documents.items()}

    # ---- the whole request ----

    def check(self, text: str) -> Checked:
        """`text` whole, then sentence by sentence when it holds several, within the time budget."""
        deadline = _Deadline(time.monotonic() + self.rules.time_budget_s)
        spans = split_sentences(text)
        try:
            whole = CheckedSpan(0, len(text), self.find_span(text, 0, len(text), deadline))
        except OutOfTime:
            return Checked(CheckedSpan(0, len(text), []), [], True, self._budget_note(0, len(spans)))
        checks = [whole]
        if len(spans) > 1:
            for span in spans:
                try:
                    if deadline.passed():
                        raise OutOfTime
                    checks.append(CheckedSpan(span.start, span.end,
                                              self.find_span(text, span.start, span.end, deadline)))
                except OutOfTime:
                    return Checked(whole, checks[1:], True, self._budget_note(len(checks) - 1, len(spans)))
        # One claim may be paraphrased: the whole text when it is one sentence, else each sentence.
        wanted = [c for c in checks if not c.found and (c is not whole or len(spans) <= 1)
                  and c.end - c.start <= self.rules.piece_max_chars]
        left = self._add_paraphrases(text, wanted, deadline)
        if left:
            return Checked(whole, checks[1:], True, f"the {self.rules.time_budget_s:g} s time budget ran out before "
                                                    f"{left} sentences were compared with paraphrases")
        return Checked(whole, checks[1:])

    def _budget_note(self, checked: int, total: int) -> str:
        return (f"the {self.rules.time_budget_s:g} s time budget ran out: {checked} of {total} sentences were "
                "checked; check the rest separately")

    # ---- one quote ----

    def find(self, quote: str, paraphrase: bool = True) -> list[Found]:
        """Every place `quote` comes from, best first (the calibration and single checks use it)."""
        deadline = _Deadline(time.monotonic() + self.rules.time_budget_s)
        checked = CheckedSpan(0, len(quote), self.find_span(quote, 0, len(quote), deadline))
        if not checked.found and paraphrase:
            self._add_paraphrases(quote, [checked])
        return checked.found

    def find_span(self, text: str, start: int, end: int, deadline: _Deadline) -> list[Found]:
        """Exact, near and altered matches of text[start:end], best first; [] when none."""
        quote = _Quote.of(text[start:end])
        if not _has_word(quote.norm.text):
            return []
        found = self._exact(quote)
        pieces = split_pieces(text, start, end, self.rules.piece_max_chars)
        if not pieces.items:
            return found
        if len(pieces.items) == 1 and not pieces.has_ellipsis:
            found += self._near(quote, taken=found)
        elif not found:
            found = self._chains(text, pieces, deadline)
        return sorted(found, key=lambda f: f.order)[: self.rules.max_matches]

    def _exact(self, quote: _Quote) -> list[Found]:
        pasted = quote.norm.text
        for variant in dict.fromkeys((pasted, _strip_ends(pasted, keep_ellipsis=True))):
            hits = [Found(doc_id, *words.norm.original_span(s, s + len(variant)), Verdict.exact, 1.0)
                    for doc_id, words in self.words.items() for s in _occurrences(words.norm.text, variant)]
            if hits:
                return hits
        return []

    def _near(self, quote: _Quote, taken: list[Found]) -> list[Found]:
        """Alignments of a one-piece quote in the regions BM25 ranks for it, not overlapping `taken`."""
        found = []
        for hit in self._region_hits(quote):
            if hit.exact:
                continue
            candidate = self._judge(quote.text, quote, [hit], Pieces([Piece(0, len(quote.text))], False, False))
            if candidate is None:
                continue
            if any(f.doc_id == candidate.doc_id and f.start < candidate.end and candidate.start < f.end
                   for f in taken + found):
                continue
            found.append(candidate)
        return found

    # ---- pieces joined by ellipses, or a long text ----

    def _chains(self, text: str, pieces: Pieces, deadline: _Deadline) -> list[Found]:
        """Each piece in order within one article, the next one close after the last: a beam search."""
        rules = self.rules
        parts = [_Quote.of(text[p.start:p.end]) for p in pieces.items]
        first = [_Hit(doc_id, s, s + len(parts[0].core), True, 1.0)
                 for doc_id, words in self.words.items() for s in _occurrences(words.norm.text, parts[0].core)]
        first += [h for h in self._region_hits(parts[0]) if self._acceptable(parts[0], h)]
        beams = [[h] for h in sorted(first, key=lambda h: -h.similarity)[:rules.max_matches]]
        for piece, part in zip(pieces.items[1:], parts[1:]):
            if deadline.passed():
                raise OutOfTime
            limit = rules.omission_max_chars if piece.after_ellipsis else rules.unmarked_gap_max_chars
            grown = []
            for chain in beams:
                last = chain[-1]
                hit = self._next_hit(part, last.doc_id, last.end, last.end + limit + 2 * len(part.core) + 20)
                if hit is not None and hit.start - last.end <= limit:
                    grown.append(chain + [hit])
            beams = sorted(grown, key=_chain_score, reverse=True)[:_BEAM]
            if not beams:
                return []
        found: list[Found] = []
        for chain in beams:
            candidate = self._judge(text, None, chain, pieces)
            if candidate is not None and not any(
                    f.doc_id == candidate.doc_id and f.start < candidate.end and candidate.start < f.end
                    for f in found):
                found.append(candidate)
        return found

    def _next_hit(self, part: _Quote, doc_id: str, lo: int, hi: int) -> _Hit | None:
        """The piece's first exact occurrence in norm.text[lo:hi] of `doc_id`, else its best alignment."""
        words = self.words[doc_id]
        hi = min(hi, len(words.norm.text))
        at = next(_occurrences(words.norm.text, part.core, lo, hi), None)
        if at is not None:
            return _Hit(doc_id, at, at + len(part.core), True, 1.0)
        hit = self._align(part, doc_id, bisect_left(words.starts, lo), bisect_left(words.starts, hi))
        return hit if hit is not None and self._acceptable(part, hit) else None

    # ---- alignment ----

    def _region_hits(self, quote: _Quote) -> list[_Hit]:
        """The quote aligned in each region around the chunks BM25 ranks for it."""
        hits = []
        for doc_id, start, end in self._regions(quote):
            words = self.words[doc_id]
            norm = words.norm
            lo, hi = bisect_left(norm.starts, start), bisect_left(norm.starts, end)
            hit = self._align(quote, doc_id, bisect_left(words.starts, lo), bisect_left(words.starts, hi))
            if hit is not None:
                hits.append(hit)
        return hits

    def _regions(self, quote: _Quote) -> list[tuple[str, int, int]]:
        """Original-text spans around the chunks BM25 ranks for the quote, merged per article."""
        ranking = self.retriever.ranking(quote.text, RetrievalMode.lexical, self.rules.candidate_pool)
        length = len(quote.text)
        spans: dict[str, list[tuple[int, int]]] = {}
        for item in ranking.fused:
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

    def _align(self, quote: _Quote, doc_id: str, lo: int, hi: int) -> _Hit | None:
        """The stretch of words lo..hi of `doc_id` that best matches the quote's words. First the
        window with most of the quote's words (so a short quote is not spread over a whole region),
        then, in it, the run of common words (longest common subsequence) with the most matches net of
        the article words it skips, widened by up to _EDGE_WORDS words where the quote's first or last
        words differ."""
        words = self.words[doc_id]
        keys = quote.words.keys
        if not keys or hi <= lo:
            return None
        lo, hi = _densest_window(keys, words.keys, lo, hi)
        pairs = [(q, d) for tag, q1, q2, d1, d2 in word_opcodes(keys, words.keys[lo:hi]) if tag == "equal"
                 for q, d in zip(range(q1, q2), range(lo + d1, lo + d2))]
        if not pairs:
            return None
        best, best_run, run_start, total = 0.0, (0, 0), 0, 0.0
        for k, (_, d) in enumerate(pairs):
            gain = 1.0 if k == 0 else 1.0 - _GAP_PENALTY * (d - pairs[k - 1][1] - 1)
            if k == 0 or total + gain < 1.0:
                total, run_start = 1.0, k
            else:
                total += gain
            if total > best:
                best, best_run = total, (run_start, k)
        (q_first, d_first), (q_last, d_last) = pairs[best_run[0]], pairs[best_run[1]]
        core, text = quote.core, words.norm.text
        options = [(i, j) for i in range(max(lo, d_first - min(q_first, _EDGE_WORDS)), d_first + 1)
                   for j in range(d_last + 1, min(hi, d_last + 1 + min(len(keys) - 1 - q_last, _EDGE_WORDS)) + 1)]
        score, i, j = max((fuzz.ratio(core, text[words.spans[i][0]:words.spans[j - 1][1]]) / 100, i, j)
                          for i, j in options)
        start, end = words.spans[i][0], words.spans[j - 1][1]
        return _Hit(doc_id, start, end, text[start:end] == core, score)

    def _acceptable(self, part: _Quote, hit: _Hit) -> bool:
        """A piece's alignment is worth building on when it would pass as near or altered alone."""
        if hit.exact:
            return True
        i, j = self._word_range(hit)
        source = self.words[hit.doc_id].keys[i:j]
        steps = word_opcodes(source, part.words.keys)
        changes = material_changes(steps, source, part.words.keys, [("", "")] * len(steps))
        return self._wording(hit.similarity, source, part.words.keys, steps, bool(changes)) is not None

    def _wording(self, similarity: float, source: tuple[str, ...], pasted: tuple[str, ...], steps: list,
                 material: bool) -> float | None:
        """None when the pasted wording is too far from the source's to be a (mis)quote of it, else its
        wording similarity. It must share at least _MIN_SHARED_WORDS words, and half of its own (a few
        common words are no evidence). Without a material change it must be near in characters or only
        drop words; with one, it must be as near once figures are masked and negations removed."""
        shared = sum(a2 - a1 for tag, a1, a2, *_ in steps if tag == "equal")
        if shared < max(_MIN_SHARED_WORDS, (len(pasted) + 1) // 2):
            return None
        if not material:
            return similarity if (similarity >= self.rules.near_min_similarity
                                  or only_dropped(source, pasted)) else None
        wording = wording_similarity(source, pasted)
        return wording if (wording >= self.rules.altered_min_wording
                           or only_dropped(source, pasted, masked=True)) else None

    def _word_range(self, hit: _Hit) -> tuple[int, int]:
        starts = self.words[hit.doc_id].starts
        spans = self.words[hit.doc_id].spans
        i = bisect_left(starts, hit.start)
        if i > 0 and spans[i - 1][1] > hit.start:
            i -= 1
        return i, bisect_left(starts, hit.end)

    # ---- the verdict on aligned pieces ----

    def _judge(self, text: str, quote: _Quote | None, hits: list[_Hit], pieces: Pieces) -> Found | None:
        """The verdict on `hits` (one per piece, in order, in one article): stretches between ellipses
        are compared word by word with the pasted pieces; the ellipses' stretches become omissions."""
        rules = self.rules
        doc_id = hits[0].doc_id
        words = self.words[doc_id]
        groups: list[list[int]] = []
        for k, piece in enumerate(pieces.items):
            if k == 0 or piece.after_ellipsis:
                groups.append([])
            groups[-1].append(k)
        diff: list[DiffOp] = []
        material: list[MaterialChange] = []
        omissions: list[tuple[int, int]] = []
        weighted, total, exact, wording = 0.0, 0, True, 1.0
        previous_end = None
        for group in groups:
            first, last = hits[group[0]], hits[group[-1]]
            p_start, p_end = pieces.items[group[0]].start, pieces.items[group[-1]].end
            pasted = quote if quote is not None and len(groups) == 1 else _Quote.of(text[p_start:p_end])
            if previous_end is not None and first.start > previous_end:
                omitted = _trimmed(words.source, *words.norm.original_span(previous_end, first.start))
                if omitted is not None:
                    mark = text[pieces.items[group[0] - 1].end:p_start].strip()
                    diff.append(DiffOp(op="omit", original=_slice(words.source, omitted), pasted=mark))
                    omissions.append(omitted)
            previous_end = last.end
            i, j = self._word_range(_Hit(doc_id, first.start, last.end, False, 0))
            steps = word_opcodes(words.keys[i:j], pasted.words.keys)
            texts = [(words.text(i + a1, i + a2), pasted.words.text(b1, b2)) for _, a1, a2, b1, b2 in steps]
            diff += [DiffOp(op=tag, original=o, pasted=p) for (tag, *_), (o, p) in zip(steps, texts)]
            group_exact = all(hits[k].exact for k in group) and all(tag == "equal" for tag, *_ in steps)
            similarity = 1.0 if group_exact else fuzz.ratio(pasted.core, words.norm.text[first.start:last.end]) / 100
            changes = material_changes(steps, words.keys[i:j], pasted.words.keys, texts)
            group_wording = 1.0 if group_exact else self._wording(similarity, words.keys[i:j], pasted.words.keys,
                                                                  steps, bool(changes))
            if group_wording is None:
                return None
            material += changes
            exact = exact and group_exact
            wording = min(wording, group_wording)
            weighted += similarity * (p_end - p_start)
            total += p_end - p_start
        start, end = words.norm.original_span(hits[0].start, hits[-1].end)
        start, end = self._widen(text, doc_id, start, end, pieces, diff, omissions)
        verdict = Verdict.exact if exact else Verdict.altered if material else Verdict.near
        return Found(doc_id, start, end, verdict, 1.0 if exact else round(weighted / total, 4), round(wording, 4),
                     tuple(diff) if (diff and not (exact and not omissions)) else (), tuple(material),
                     tuple(omissions))

    def _widen(self, text: str, doc_id: str, start: int, end: int, pieces: Pieces, diff: list[DiffOp],
               omissions: list[tuple[int, int]]) -> tuple[int, int]:
        """An opening ellipsis omits the sentence's start, a closing one its end: the match covers the
        whole sentence and lists what was left out. Otherwise the source's own quote marks and closing
        punctuation are kept when the pasted text has them too."""
        source = self.index.documents[doc_id].text
        sentences = self.index.sentences_in(doc_id, start, end)
        if pieces.leading_ellipsis and sentences and sentences[0].start < start:
            omitted = _trimmed(source, sentences[0].start, start)
            if omitted is not None:
                omissions.insert(0, omitted)
                diff.insert(0, DiffOp(op="omit", original=_slice(source, omitted), pasted=_mark_before(text, pieces)))
                start = omitted[0]
        elif text.lstrip()[:1] in _OPENING:
            while start > 0 and source[start - 1] in _OPENING:
                start -= 1
        if pieces.trailing_ellipsis and sentences and sentences[-1].end > end:
            omitted = _trimmed(source, end, sentences[-1].end)
            if omitted is not None:
                omissions.append(omitted)
                diff.append(DiffOp(op="omit", original=_slice(source, omitted), pasted=_mark_after(text, pieces)))
                end = sentences[-1].end
        elif text.rstrip()[-1:] in _CLOSING and not pieces.trailing_ellipsis:
            while end < len(source) and source[end] in _CLOSING:
                end += 1
        return start, end

    # ---- paraphrase ----

    def _add_paraphrases(self, text: str, checks: list[CheckedSpan], deadline: _Deadline | None = None) -> int:
        """Paraphrase lookup for the checks nothing matched, their vectors embedded a few at a time;
        returns how many were left unchecked when the deadline passed."""
        for at in range(0, len(checks), _EMBED_BATCH):
            if deadline is not None and deadline.passed():
                return len(checks) - at
            batch = checks[at:at + _EMBED_BATCH]
            quotes = [text[c.start:c.end] for c in batch]
            for check, quote, vector in zip(batch, quotes, self.retriever.queries.embed_many(quotes)):
                check.found.extend(self._paraphrase(quote, vector))
        return 0

    def _paraphrase(self, quote: str, vector: np.ndarray) -> list[Found]:
        rules = self.rules
        return [Found(c.sentence.doc_id, c.sentence.start, c.sentence.end, Verdict.paraphrase, round(c.cosine, 4))
                for c in self.paraphrase_candidates(quote, vector)
                if c.cosine >= rules.paraphrase_min_similarity and c.shared >= rules.paraphrase_min_shared
                ][: rules.max_matches]

    def paraphrase_candidates(self, quote: str, vector: np.ndarray) -> list[ParaphraseCandidate]:
        """The sentences closest in meaning that state every figure of the quote, most similar first."""
        tokens = set(tokenize(quote))
        figures = {t for t in tokens if t[0].isdigit()}
        candidates = []
        for hit in self.index.backend.similar_sentences(vector, self.rules.candidate_pool):
            sentence, score = self.index.sentences[hit.row], hit.score
            context = self.scorer.tokens[sentence.id] | self._previous_tokens(sentence)
            if figures <= context:  # a different figure is a different claim
                candidates.append(ParaphraseCandidate(sentence, float(score), self.scorer.coverage(tokens, context)))
        return candidates

    def _previous_tokens(self, sentence: Sentence) -> set[str]:
        """A sentence like 'By 2024, the number was just 686,000.' leans on the one before it."""
        previous = self.index.sentences[sentence.id - 1] if sentence.id > 0 else None
        return self.scorer.tokens[previous.id] if previous and previous.doc_id == sentence.doc_id else set()


def _densest_window(quote: tuple[str, ...], keys: tuple[str, ...], lo: int, hi: int) -> tuple[int, int]:
    """The words lo..hi narrowed to the window holding most of the quote's words (each counted at most
    as often as the quote has it), with room around it for dropped and added words. Linear in hi - lo."""
    size = len(quote) + max(_EDGE_WORDS, len(quote) // 2)
    if hi - lo <= size + 2 * _EDGE_WORDS:
        return lo, hi
    wanted = Counter(quote)
    seen: Counter[str] = Counter()
    score = best = 0
    best_start = lo
    for at in range(lo, hi):
        key = keys[at]
        if key in wanted:
            seen[key] += 1
            score += seen[key] <= wanted[key]
        if at - lo >= size:
            gone = keys[at - size]
            if gone in wanted:
                score -= seen[gone] <= wanted[gone]
                seen[gone] -= 1
        if score > best:
            best, best_start = score, max(lo, at - size + 1)
    margin = max(_EDGE_WORDS, len(quote) // 2)
    return max(lo, best_start - margin), min(hi, best_start + size + margin)


def _chain_score(chain: list[_Hit]) -> float:
    return sum(h.similarity * (h.end - h.start) for h in chain)


def _has_word(text: str) -> bool:
    return any(is_word_char(c) or (not c.isascii() and c.isalnum()) for c in text)


def _slice(text: str, span: tuple[int, int] | None) -> str:
    return text[span[0]:span[1]] if span else ""


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """An omitted stretch text[start:end] without the spaces and commas around it; None when it holds
    no word (an ellipsis where the source only has punctuation omits nothing)."""
    while start < end and (text[start].isspace() or text[start] in ",;:.!?"):  # the end of what came before
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return (start, end) if end > start and _has_word(text[start:end]) else None


def _mark_before(text: str, pieces: Pieces) -> str:
    return text[:pieces.items[0].start].strip()


def _mark_after(text: str, pieces: Pieces) -> str:
    return text[pieces.items[-1].end:].strip()


def _occurrences(text: str, needle: str, lo: int = 0, hi: int | None = None):
    """Start offsets of `needle` in text[lo:hi] that do not cut a word in two."""
    if not needle:
        return
    hi = len(text) if hi is None else hi
    at = text.find(needle, lo, hi)
    while at != -1:
        end = at + len(needle)
        if _is_boundary(text, at) and _is_boundary(text, end):
            yield at
        at = text.find(needle, at + 1, hi)


def _is_boundary(text: str, at: int) -> bool:
    return at <= 0 or at >= len(text) or not (is_word_char(text[at - 1]) and is_word_char(text[at]))


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
