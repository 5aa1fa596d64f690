"""Cite stage: where does a pasted text come from, and was it quoted faithfully?

The text is checked whole and, when it holds several sentences, sentence by sentence. Each check:
1. exact: the normalized text occurs in a normalized article (every occurrence, all articles; the
   phrase index, service/phrase_index.py, names the articles that can hold it);
2. otherwise the text is cut into pieces (service/pieces.py: at ellipses, and at most
   `piece_max_chars` long). The first piece is looked for in the whole corpus: exact occurrences, and
   word alignments (service/align.py) inside the regions BM25 ranks for it. Each next piece is looked
   for only just after the previous one (within `omission_max_chars` after an ellipsis), so the cost
   grows with the number of pieces, not with the square of the text's length;
3. the aligned pieces are judged together (service/judge.py): `exact`, with the omitted spans listed
   when ellipses mark them; `near` (reworded); `altered` (a figure or a negation differs but the rest
   of the wording aligns); or nothing;
4. paraphrase (service/paraphrase.py), for one sentence that nothing matched.
A text that passes none of the thresholds is `not_found`: attributing a fabricated quote to an
article is worse than finding nothing. Thresholds are settings, calibrated on eval/quotes.jsonl.
A request has a time budget; when it runs out, the sentences not yet checked are left out and the
result says so.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from itertools import islice

import numpy as np

from index.sentences import split_sentences
from index.store import CorpusIndex
from service.align import MIN_SHARED_WORDS, Hit, Quote, align, has_word, occurrences, strip_ends
from service.judge import Judge
from service.normalize import Normalized, normalize
from service.models import RetrievalMode, Verdict
from service.paraphrase import Paraphrases
from service.phrase_index import PhraseIndex
from service.pieces import Piece, Pieces, split_pieces
from service.quotes import (Checked, CheckedSpan, CiteRules, Deadline, Found, OutOfTime,
                            ParaphraseCandidate)
from service.retrieve import Retriever
from service.vocabulary import SentenceVocabulary
from service.worddiff import Words

_BEAM = 4  # partial alignments kept while the next piece is looked for


class QuoteFinder:
    """Built once per index (or from the previous engine's after a write): the phrase index of every
    article; an article is normalized, and its words found, only when a quote may be in it
    (service/normalize.py and service/worddiff.py keep the last few hundred)."""

    def __init__(self, index: CorpusIndex, retriever: Retriever, scorer: SentenceVocabulary,
                 rules: CiteRules, phrases: PhraseIndex) -> None:
        """`phrases`: the phrase index of `index`'s articles (the engine builds it, or carries it forward)."""
        self.index = index
        self.retriever = retriever
        self.rules = rules
        self.phrases = phrases
        self._order = {doc_id: n for n, doc_id in enumerate(index.documents)}  # occurrences in corpus order
        self.words = ArticleWords(index)
        self.judge = Judge(index, self.words, rules)
        self.paraphrases = Paraphrases(index, scorer, retriever.queries, rules)

    def check(self, text: str) -> Checked:
        """`text` whole, then sentence by sentence when it holds several, within the time budget."""
        deadline = Deadline.after(self.rules.time_budget_s)
        spans = [s for s in split_sentences(text) if has_word(text[s.start:s.end])]  # "[...]" is no claim
        try:
            whole = CheckedSpan(0, len(text), self.find_span(text, 0, len(text), deadline))
        except OutOfTime:
            return Checked(CheckedSpan(0, len(text), []), [], True, self._budget_note(0, len(spans)))
        checks = [whole]
        if len(spans) > 1:
            seen: dict[str, list[Found]] = {}  # a sentence pasted twice is looked up once
            for span in spans:
                sentence = text[span.start:span.end]
                try:
                    if deadline.passed():
                        raise OutOfTime
                    if sentence not in seen:
                        seen[sentence] = self.find_span(text, span.start, span.end, deadline)
                    checks.append(CheckedSpan(span.start, span.end, list(seen[sentence])))
                except OutOfTime:
                    return Checked(whole, checks[1:], True, self._budget_note(len(checks) - 1, len(spans)))
        # One claim may be paraphrased: the whole text when it is one sentence, else each sentence.
        wanted = [c for c in checks if not c.found and (c is not whole or len(spans) <= 1)
                  and c.end - c.start <= self.rules.piece_max_chars]
        cap = self.rules.paraphrase_max_sentences
        left = self.paraphrases.add(text, wanted[:cap], deadline) + max(0, len(wanted) - cap)
        if left:
            return Checked(whole, checks[1:], True, f"{left} sentences that nothing matched were not compared "
                                                    f"with paraphrases (at most {cap} per text, within the "
                                                    f"{self.rules.time_budget_s:g} s time budget)")
        return Checked(whole, checks[1:])

    def _budget_note(self, checked: int, total: int) -> str:
        return (f"the {self.rules.time_budget_s:g} s time budget ran out: {checked} of {total} sentences were "
                "checked; check the rest separately")

    def find(self, quote: str, paraphrase: bool = True) -> list[Found]:
        """Every place one quote comes from, best first (the calibration uses it)."""
        checked = CheckedSpan(0, len(quote), self.find_span(quote, 0, len(quote),
                                                            Deadline.after(self.rules.time_budget_s)))
        if not checked.found and paraphrase:
            self.paraphrases.add(quote, [checked])
        return checked.found

    def paraphrase_candidates(self, claim: str, vector: np.ndarray) -> list[ParaphraseCandidate]:
        return self.paraphrases.candidates(claim, vector)

    def find_span(self, text: str, start: int, end: int, deadline: Deadline) -> list[Found]:
        """Exact, near and altered matches of text[start:end], best first; [] when none."""
        quote = Quote.of(text[start:end])
        if not has_word(quote.norm.text):
            return []
        found = self._exact(quote, deadline)
        pieces = split_pieces(text, start, end, self.rules.piece_max_chars)
        if not pieces.items:
            return found
        if len(pieces.items) == 1 and not pieces.has_ellipsis:
            if len(quote.words) >= MIN_SHARED_WORDS:  # shorter, it can only be exact
                found += self._near(quote, taken=found)
        elif not found:
            found = self._chains(text, pieces, deadline)
        return sorted(found, key=lambda f: f.order)[: self.rules.max_matches]

    def _exact(self, quote: Quote, deadline: Deadline) -> list[Found]:
        """Every occurrence, up to max_matches (a one-word quote has hundreds)."""
        pasted = quote.norm.text
        for variant in dict.fromkeys((pasted, strip_ends(pasted, keep_ellipsis=True))):
            hits = [Found(doc_id, *self._normalized(doc_id).original_span(s, s + len(variant)), Verdict.exact, 1.0)
                    for doc_id, s in islice(self._occurrences(variant, deadline), self.rules.max_matches)]
            if hits:
                return hits
        return []

    def _occurrences(self, needle: str, deadline: Deadline) -> Iterator[tuple[str, int]]:
        """Where the normalized needle stands, in corpus order, among the articles that can hold it."""
        candidates = self.phrases.candidates(needle)
        for doc_id in sorted(self._order if candidates is None else candidates, key=self._order.__getitem__):
            if deadline.passed():
                raise OutOfTime
            for at in occurrences(self._normalized(doc_id).text, needle):
                yield doc_id, at

    def _normalized(self, doc_id: str) -> Normalized:
        return normalize(self.index.documents[doc_id].text)

    def _near(self, quote: Quote, taken: list[Found]) -> list[Found]:
        """Alignments of a one-piece quote in the regions BM25 ranks for it, not overlapping `taken`."""
        one_piece = Pieces([Piece(0, len(quote.text))], leading_ellipsis=False, trailing_ellipsis=False)
        found: list[Found] = []
        for hit in self._region_hits(quote):
            if hit.exact:
                continue
            candidate = self.judge.judge(quote.text, [hit], one_piece, quote)
            if candidate is not None and not _overlaps(candidate, taken + found):
                found.append(candidate)
        return found

    def _chains(self, text: str, pieces: Pieces, deadline: Deadline) -> list[Found]:
        """Each piece in order within one article, the next one close after the last: a beam search."""
        rules = self.rules
        parts = [Quote.of(text[p.start:p.end]) for p in pieces.items]
        first = [Hit(doc_id, s, s + len(parts[0].core), True, 1.0)
                 for doc_id, s in islice(self._occurrences(parts[0].core, deadline), rules.max_matches)]
        first += [h for h in self._region_hits(parts[0]) if self.judge.acceptable(parts[0], h)]
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
            candidate = self.judge.judge(text, chain, pieces)
            if candidate is not None and not _overlaps(candidate, found):
                found.append(candidate)
        return found

    def _next_hit(self, part: Quote, doc_id: str, lo: int, hi: int) -> Hit | None:
        """The piece's first exact occurrence in normalized text[lo:hi] of `doc_id`, else its best alignment."""
        words = self.words[doc_id]
        hi = min(hi, len(words.norm.text))
        at = next(occurrences(words.norm.text, part.core, lo, hi), None)
        if at is not None:
            return Hit(doc_id, at, at + len(part.core), True, 1.0)
        hit = align(part, doc_id, words, bisect_left(words.starts, lo), bisect_left(words.starts, hi))
        return hit if hit is not None and self.judge.acceptable(part, hit) else None

    def _region_hits(self, quote: Quote) -> list[Hit]:
        """The quote aligned in each region around the chunks BM25 ranks for it."""
        hits = []
        for doc_id, start, end in self._regions(quote):
            words = self.words[doc_id]
            lo, hi = words.norm.index_at(start), words.norm.index_at(end)
            hit = align(quote, doc_id, words, bisect_left(words.starts, lo), bisect_left(words.starts, hi))
            if hit is not None:
                hits.append(hit)
        return hits

    def _regions(self, quote: Quote) -> list[tuple[str, int, int]]:
        """Original-text spans around the chunks BM25 ranks for the quote, merged per article."""
        ranking = self.retriever.ranking(quote.text, RetrievalMode.lexical, self.rules.candidate_pool)
        length = len(quote.text)
        spans: dict[str, list[tuple[int, int]]] = {}
        for item in ranking.fused:
            chunk = self.index.chunks[item.chunk_id]
            size = self.index.documents[chunk.doc_id].length
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


class ArticleWords(Mapping[str, Words]):
    """doc_id -> the article's words, found when asked for (see QuoteFinder)."""

    def __init__(self, index: CorpusIndex) -> None:
        self._documents = index.documents

    def __getitem__(self, doc_id: str) -> Words:
        return Words.of(self._documents[doc_id].text)

    def __iter__(self) -> Iterator[str]:
        return iter(self._documents)

    def __len__(self) -> int:
        return len(self._documents)


def _overlaps(candidate: Found, others: list[Found]) -> bool:
    return any(f.doc_id == candidate.doc_id and f.start < candidate.end and candidate.start < f.end for f in others)


def _chain_score(chain: list[Hit]) -> float:
    return sum(h.similarity * (h.end - h.start) for h in chain)
