"""The core every shell (HTTP, CLI, eval) calls: it wires retrieval -> answer -> corroboration, and
citation lookup, over one loaded index."""

from __future__ import annotations

import time

from index.corpus import Document
from index.embed import Embedder
from index.sentences import Sentence, split_sentences
from index.store import CorpusIndex
from service.answer import AnswerPolicy, SentenceScorer
from service.cite import CiteRules, Found, QuoteFinder
from service.corroborate import CorroborationRule, corroborating_sentences
from service.index_lifecycle import embedder_for, open_index
from service.metrics import timed
from service.models import (Answer, AskResult, CiteResult, Corroboration, Filters, Passage, QuoteCheck,
                            QuoteMatch, RetrievalMode, SearchResult, Span, Verdict)
from service.request_errors import DocumentNotFoundError, InvalidRequestError
from service.retrieve import Retrieval, Retriever
from service.settings import Settings


class Engine:
    def __init__(self, settings: Settings, index: CorpusIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index, embedder, settings.rrf_k, settings.query_cache_size, settings.embed_lanes)
        self.scorer = SentenceScorer(index)
        self.answers = AnswerPolicy(index, self.retriever, self.scorer, settings.answer_leg_depth,
                                    settings.abstain_below)
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
        passages = self._retrieve(query, k, mode, filters).passages
        return SearchResult(query=query, mode=mode, passages=passages, took_ms=_ms_since(started))

    def ask(self, question: str, k: int | None = None, mode: RetrievalMode = RetrievalMode.hybrid,
            filters: Filters | None = None) -> AskResult:
        """The best answering sentence of the top passages, its confidence and its corroboration,
        or an abstention that still returns the passages for the reader to judge."""
        started = time.perf_counter()
        retrieval = self._retrieve(question, k, mode, filters, need_vector=True)
        with timed("answer"):
            decision = self.answers.decide(question, retrieval)
        if decision.sentence is None:
            return AskResult(question=question, answer=None, confidence=decision.confidence,
                             abstained_reason=decision.abstained_reason, passages=decision.passages,
                             also_reported_in=[], took_ms=_ms_since(started))
        best = decision.sentence
        with timed("corroborate"):
            corroborating = corroborating_sentences(self.index, self.scorer, best, self.corroboration)
        _highlight(decision.passages, [best] + [s for s, _ in corroborating])
        return AskResult(question=question, answer=Answer.of(self.index.documents[best.doc_id], best.start, best.end),
                         confidence=decision.confidence, abstained_reason=None, passages=decision.passages,
                         also_reported_in=[self._corroboration(s, sim) for s, sim in corroborating],
                         took_ms=_ms_since(started))

    def _retrieve(self, query: str, k: int | None, mode: RetrievalMode, filters: Filters | None,
                  need_vector: bool = False) -> Retrieval:
        """The one retrieval step of search and ask; `k` defaults to RUNRI_DEFAULT_K."""
        return self.retriever.retrieve(query, mode, k or self.settings.default_k, self.settings.candidate_pool,
                                       filters, need_vector)

    def cite(self, text: str) -> CiteResult:
        """Where the pasted text comes from: checked whole, and sentence by sentence when it holds
        several (a paragraph of claims from different places)."""
        started = time.perf_counter()
        with timed("cite"):
            spans = split_sentences(text)
            whole = self._check(text, 0, len(text), paraphrase=len(spans) <= 1)
            sentences = [self._check(text, s.start, s.end) for s in spans] if len(spans) > 1 else []
        return CiteResult(text=text, verdict=whole.verdict, whole=whole, sentences=sentences,
                          took_ms=_ms_since(started))

    def _check(self, text: str, start: int, end: int, paraphrase: bool = True) -> QuoteCheck:
        quote = self.quotes.parse(text[start:end])
        matches = [self._quote_match(f) for f in self.quotes.find(quote, paraphrase)]
        return QuoteCheck(text=text[start:end], start=start, end=end,
                          verdict=matches[0].verdict if matches else Verdict.not_found, matches=matches)

    def _quote_match(self, found: Found) -> QuoteMatch:
        return QuoteMatch.of(self.index.documents[found.doc_id], found.start, found.end,
                             verdict=found.verdict, score=found.score, diff=found.diff)

    def _corroboration(self, s: Sentence, similarity: float) -> Corroboration:
        return Corroboration.of(self.index.documents[s.doc_id], s.start, s.end, similarity=round(similarity, 4))

    def document(self, doc_id: str) -> Document:
        doc = self.index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}")
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


def _highlight(passages: list[Passage], sentences: list[Sentence]) -> None:
    """Mark, in each passage, the sentences that state the answer."""
    for passage in passages:
        passage.highlights = [Span(start=s.start, end=s.end) for s in sentences
                              if s.doc_id == passage.doc_id and passage.start <= s.start and s.end <= passage.end]


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
