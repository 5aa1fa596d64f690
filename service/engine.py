"""The core every shell (HTTP, CLI, eval) calls: search, documents and excerpts over one loaded index."""

from __future__ import annotations

import time
from dataclasses import replace

from index.corpus import Document
from index.embed import Embedder
from index.store import CorpusIndex
from service.errors import DocumentNotFoundError, InvalidRequestError
from service.indexing import embedder_for, open_index
from index.sentences import split_sentences
from service.answer import Confidence, ScoredSentence, SentenceScorer, key_terms, lacks_asked_figure
from service.cite import CiteRules, Found, QuoteFinder
from service.corroborate import CorroborationRule, corroborating_sentences
from service.models import (Answer, AskResult, CiteResult, Corroboration, Filters, Passage, QuoteCheck,
                            QuoteMatch, RetrievalMode, SearchResult, Span, Verdict)
from service.retrieve import Retriever
from service.settings import Settings


class Engine:
    def __init__(self, settings: Settings, index: CorpusIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index, embedder, settings.candidate_pool, settings.rrf_k,
                                   settings.query_cache_size, settings.embed_lanes)
        self.scorer = SentenceScorer(index)
        self.confidence = Confidence()
        self.corroboration = CorroborationRule(settings.corroboration_min_similarity,
                                               settings.corroboration_min_shared)
        self.quotes = QuoteFinder(index, self.retriever, self.scorer, CiteRules(
            settings.cite_near_min_similarity, settings.cite_paraphrase_min_similarity,
            settings.cite_paraphrase_min_shared, settings.cite_candidate_pool, settings.cite_max_matches))

    @classmethod
    def open(cls, settings: Settings) -> Engine:
        """Load the index and the model once; raises a typed error when the index is missing or stale."""
        index = open_index(settings)
        return cls(settings, index, embedder_for(settings))

    def search(self, query: str, k: int | None = None, mode: RetrievalMode = RetrievalMode.hybrid,
               filters: Filters | None = None) -> SearchResult:
        started = time.perf_counter()
        k = k or self.settings.default_k
        ranking = self.retriever.ranking(query, mode, max(self.settings.candidate_pool, k), filters)
        passages = self.retriever.top_passages(ranking, k)
        return SearchResult(query=query, mode=mode, passages=passages, took_ms=_ms_since(started))

    def ask(self, question: str, k: int | None = None, mode: RetrievalMode = RetrievalMode.hybrid,
            filters: Filters | None = None) -> AskResult:
        """The best answering sentence of the top passages, its confidence and its corroboration,
        or an abstention that still returns the passages for the reader to judge."""
        started = time.perf_counter()
        k = k or self.settings.default_k
        ranking = self.retriever.ranking(question, mode, max(self.settings.candidate_pool, k), filters)
        passages = self.retriever.top_passages(ranking, k)
        # Fusion can bury a chunk only one leg finds (a rare name only BM25 knows): each leg's head
        # competes for the answer too, and joins the passages when it wins.
        extra = [p for p in self.retriever.passages(ranking.leg_heads(self.settings.answer_leg_depth), k * 2)
                 if not any(q.doc_id == p.doc_id and q.start <= p.start and p.end <= q.end for q in passages)]
        candidates = passages + extra
        scored = self.scorer.score(self.retriever.queries.embed_query(question), question, candidates)
        if not scored:
            return AskResult(question=question, answer=None, confidence=0.0, passages=passages,
                             abstained_reason="no passage matches the question", also_reported_in=[],
                             took_ms=_ms_since(started))
        best = scored[0]
        best_passage = candidates[best.passage_index]
        if best.passage_index >= len(passages):  # a leg's head won: it leads the passages, scored as first
            passages = [best_passage] + passages[: k - 1]
            best = replace(best, passage_index=0,
                           score=best.score + self.scorer.weights.passage_rank * best.passage_index)
        missing = self._missing_rare_keys(question, best_passage)
        no_figure = lacks_asked_figure(question, self.index.text_of(best.sentence.doc_id, best.sentence.start,
                                                                   best.sentence.end))
        confidence = self.confidence.of(best, bool(missing), no_figure)
        if confidence < self.settings.abstain_below:
            reason = (f"the articles never mention {', '.join(sorted(missing))} near the best match" if missing
                      else "the question asks for a figure and the closest sentence states none" if no_figure
                      else "no sentence in the articles is close enough to the question")
            return AskResult(question=question, answer=None, confidence=confidence, abstained_reason=reason,
                             passages=passages, also_reported_in=[], took_ms=_ms_since(started))
        corroborating = corroborating_sentences(self.index, self.scorer, best.sentence, self.corroboration)
        _highlight(passages, [best.sentence] + [s for s, _ in corroborating])
        return AskResult(question=question, answer=self._answer(best), confidence=confidence,
                         abstained_reason=None, passages=passages,
                         also_reported_in=[self._corroboration(s, sim) for s, sim in corroborating],
                         took_ms=_ms_since(started))

    def cite(self, text: str) -> CiteResult:
        """Where the pasted text comes from: checked whole, and sentence by sentence when it holds
        several (a paragraph of claims from different places)."""
        started = time.perf_counter()
        spans = split_sentences(text)
        whole = self._check(text, 0, len(text), paraphrase=len(spans) <= 1)
        sentences = [self._check(text, s.start, s.end) for s in spans] if len(spans) > 1 else []
        return CiteResult(text=text, verdict=whole.verdict, whole=whole, sentences=sentences,
                          took_ms=_ms_since(started))

    def _check(self, text: str, start: int, end: int, paraphrase: bool = True) -> QuoteCheck:
        matches = [self._quote_match(f) for f in self.quotes.find(text[start:end], paraphrase)]
        return QuoteCheck(text=text[start:end], start=start, end=end,
                          verdict=matches[0].verdict if matches else Verdict.not_found, matches=matches)

    def _quote_match(self, found: Found) -> QuoteMatch:
        return QuoteMatch.of(self.index.documents[found.doc_id], found.start, found.end,
                             verdict=found.verdict, score=found.score, diff=found.diff)

    def _missing_rare_keys(self, question: str, passage: Passage) -> set[str]:
        """The reader's rare key words (names, figures) that the passage never mentions."""
        present = set().union(*(self.scorer.tokens[s.id]
                                for s in self.index.sentences_in(passage.doc_id, passage.start, passage.end)))
        return {word for token, word in key_terms(question).items()
                if token not in present and self.scorer.is_rare(token, self.confidence.rare_share)}

    def _answer(self, best: ScoredSentence) -> Answer:
        s = best.sentence
        return Answer.of(self.index.documents[s.doc_id], s.start, s.end)

    def _corroboration(self, s, similarity: float) -> Corroboration:
        return Corroboration.of(self.index.documents[s.doc_id], s.start, s.end, similarity=round(similarity, 4))

    def document(self, doc_id: str) -> Document:
        doc = self.index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}; GET /documents lists the ids")
        return doc

    def excerpt(self, doc_id: str, start: int, end: int, context: int) -> tuple[Document, str, str, str]:
        """(document, text before, cited text, text after) for a stable citation link."""
        doc = self.document(doc_id)
        if not 0 <= start < end <= len(doc.text):
            raise InvalidRequestError(f"offsets must satisfy 0 <= start < end <= {len(doc.text)} for "
                                      f"{doc_id}; got start={start}, end={end}")
        before = doc.text[max(0, start - context):start]
        after = doc.text[end:end + context]
        return doc, before, doc.text[start:end], after


def _highlight(passages: list[Passage], sentences) -> None:
    """Mark, in each passage, the sentences that state the answer."""
    for passage in passages:
        passage.highlights = [Span(start=s.start, end=s.end) for s in sentences
                              if s.doc_id == passage.doc_id and passage.start <= s.start and s.end <= passage.end]


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
