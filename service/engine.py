"""The core every shell (HTTP, CLI, eval) calls: it wires retrieval -> answer -> corroboration, and
citation lookup, over one loaded index."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from index.corpus import Document
from index.embed import Embedder
from index.sentences import Sentence
from index.store import CorpusIndex
from service import name_counts_file
from service.answer import AnswerPolicy
from service.answer_model import load_answer_model
from service.answer_span import answer_span
from service.cite import QuoteFinder
from service.quotes import CheckedSpan, CiteRules, Found
from service.corroborate import CorroborationRule, corroborating_sentences
from service.crosslingual_answer import CrosslingualPolicy
from service.index_lifecycle import embedder_for, multilingual_embedder_for, open_index
from service.language import Language, detect_language
from service.links import on_base, quote_check_path
from service.metrics import timed
from service.memory import release_free_memory
from service.models import (MAX_QUOTE_CHARS, Answer, AskResult, CiteResult, Corroboration, Excerpt, Filters, Omission,
                            Passage, QuoteCheck, QuoteMatch, RetrievalMode, SearchResult, Span, Verdict)
from service.names import Correction, NameVocabulary, english_words
from service.phrase_index import PhraseIndex
from service.romanize import romanized_terms, romanizers
from service.word_bridge import WordBridge, segments
from service.request_errors import DocumentNotFoundError, InvalidRequestError
from service.retrieve import Retrieval, Retriever
from service.settings import Settings
from service.vocabulary import SentenceVocabulary


class Engine:
    def __init__(self, settings: Settings, index: CorpusIndex, embedder: Embedder,
                 multilingual_embedder: Embedder | None = None, previous: Engine | None = None) -> None:
        """`previous`: the engine this one replaces after a write (see `next`)."""
        # First, while little else is held: building the phrase index briefly takes 1 GB at 1M chunks.
        release_free_memory()  # what loading the index freed
        if previous is None:
            phrases = PhraseIndex.of((doc_id, doc.text) for doc_id, doc in index.documents.items())
        else:  # a write: what it added and removed is all the phrase index and the names need to change
            added, removed = _changed_documents(previous.index, index)
            phrases = previous.quotes.phrases.next(added, removed)
        self.settings = settings
        self.index = index
        self.embedder = embedder
        if multilingual_embedder is None and index.multilingual is not None:
            multilingual_embedder = multilingual_embedder_for(settings)
        self.multilingual_embedder = multilingual_embedder
        self.retriever = Retriever(index, embedder, settings.rrf_k, settings.query_cache_size, settings.embed_lanes,
                                   multilingual_embedder, settings.multilingual_leg,
                                   previous.retriever if previous is not None else None, settings.dense_sentences)
        self.retriever.warm_up()  # before this engine serves, not on its first question
        if previous is None:  # counted once per corpus, then read back at each start (name_counts_file.py)
            self.names = NameVocabulary((), english_words(settings.resolved_model_path()),
                                        name_counts_file.counts_for(settings.data_dir, index.documents))
        else:
            self.names = previous.names.next(added.values(), [previous.index.documents[d].text for d in removed])
            name_counts_file.save(settings.data_dir, index.documents, self.names.counts)
        self.bridge = (WordBridge(lambda: (doc.text for doc in index.documents.values()), multilingual_embedder)
                       if self.retriever.multilingual_queries is not None else None)
        self.vocabulary = (SentenceVocabulary(index) if previous is None
                           else previous.vocabulary.next(index, frozenset(added) | frozenset(removed)))
        self.answers = AnswerPolicy(index, self.retriever, self.vocabulary, load_answer_model(settings.answer_model_dir),
                                    settings.answer_depth, settings.answer_leg_depth, settings.abstain_below)
        self.crosslingual = CrosslingualPolicy(self.answers)
        self.corroboration = CorroborationRule(settings.corroboration_min_similarity,
                                               settings.corroboration_min_shared)
        self.quotes = QuoteFinder(index, self.retriever, self.vocabulary, CiteRules.of(settings), phrases)
        release_free_memory()  # what building this freed (service/memory.py)

    def next(self, index: CorpusIndex) -> Engine:
        """The engine over `index` (a write's result), keeping what does not depend on the index: the
        models and the query embeddings, whose cache and batching a write must not reset."""
        return Engine(self.settings, index, self.embedder, self.multilingual_embedder, previous=self)

    @classmethod
    def open(cls, settings: Settings) -> Engine:
        """Load the index and the model once; raises a typed error when the index is missing or stale."""
        index = open_index(settings)
        engine = cls(settings, index, embedder_for(settings))
        if engine.bridge is not None:  # the romanisers' dictionaries and the bridge's words: ~2 s, off the
            threading.Thread(target=engine.warm_up_multilingual, daemon=True).start()  # first question's path
        return engine

    def warm_up_multilingual(self) -> None:
        """Load what a first Chinese or Japanese question would otherwise wait for."""
        romanizers()
        if self.bridge is not None:
            self.bridge.warm_up()

    def link_base(self, request_base: str | None = None) -> str | None:
        """Where shareable links point: RUNRI_PUBLIC_URL, else the host the request came to."""
        return self.settings.public_url or request_base

    def search(self, query: str, k: int | None = None, mode: RetrievalMode = RetrievalMode.hybrid,
               filters: Filters | None = None, link_base: str | None = None) -> SearchResult:
        started = time.perf_counter()
        language, correction = self._understand(query)
        passages = self._retrieve(correction, k, mode, filters, language=language).passages
        result = SearchResult(query=query, mode=mode, language=language.value, did_you_mean=correction.did_you_mean,
                              passages=passages, took_ms=_ms_since(started))
        return on_base(result, self.link_base(link_base))

    def ask(self, question: str, k: int | None = None, mode: RetrievalMode = RetrievalMode.hybrid,
            filters: Filters | None = None, link_base: str | None = None) -> AskResult:
        """The best answering sentence of the top passages, its confidence and its corroboration,
        or an abstention that still returns the passages for the reader to judge."""
        started = time.perf_counter()
        language, correction = self._understand(question)
        retrieval = self._retrieve(correction, k, mode, filters, need_vector=True, language=language)
        crosslingual = retrieval.multilingual_vector is not None and not language.is_english
        with timed("answer"):
            decision = (self.crosslingual if crosslingual else self.answers).decide(correction.text, retrieval)
        heard = {"language": language.value, "did_you_mean": correction.did_you_mean}
        if decision.sentence is None:
            result = AskResult(question=question, **heard, answer=None, confidence=decision.confidence,
                               confidence_level=decision.level, abstained_reason=decision.abstained_reason,
                               closest=self._answer(decision.closest), passages=decision.passages,
                               also_reported_in=[], took_ms=_ms_since(started))
            return on_base(result, self.link_base(link_base))
        best = decision.sentence
        with timed("corroborate"):
            corroborating = corroborating_sentences(self.index, self.vocabulary, best, self.corroboration)
        _highlight(decision.passages, [best] + [s for s, _ in corroborating])
        answer = self._answer(best, question=None if crosslingual else correction.text)
        result = AskResult(question=question, **heard, answer=answer, confidence=decision.confidence,
                           confidence_level=decision.level, abstained_reason=None, passages=decision.passages,
                           also_reported_in=[self._corroboration(s, sim) for s, sim in corroborating],
                           took_ms=_ms_since(started))
        return on_base(result, self.link_base(link_base))

    def _understand(self, question: str) -> tuple[Language, Correction]:
        """The question's language, and the question as searched: misspelled names corrected, and for
        Chinese or Japanese, its names read in the articles' romanisation."""
        language, correction = detect_language(question), self.names.correct(question)
        if language in (Language.zh, Language.ja) and self.bridge is not None:
            words = segments(correction.text, japanese=language is Language.ja)
            _, vectors = self.retriever.multilingual_queries.embed_query_with(correction.text, words)
            correction = replace(correction, readings=tuple(romanized_terms(question, self.names)),
                                 translations=tuple(self.bridge.words_for(vectors)))
        return language, correction

    def _retrieve(self, query: Correction, k: int | None, mode: RetrievalMode, filters: Filters | None,
                  need_vector: bool = False, language: Language = Language.en) -> Retrieval:
        """The one retrieval step of search and ask, on the question with its names corrected; `k`
        defaults to RUNRI_DEFAULT_K."""
        return self.retriever.retrieve(query.text, mode, k or self.settings.default_k, self.settings.candidate_pool,
                                       filters, need_vector, language, query.search_text)

    def cite(self, text: str, link_base: str | None = None) -> CiteResult:
        """Where the pasted text comes from: checked whole, and sentence by sentence when it holds
        several (a paragraph of claims from different places). Text over the limit is refused, never
        cut: a verdict on part of a text would pass for a verdict on all of it."""
        started = time.perf_counter()
        if len(text) > MAX_QUOTE_CHARS:
            raise InvalidRequestError(f"text: {len(text):,} characters is over the limit of {MAX_QUOTE_CHARS:,}; "
                                      "check it in parts")
        with timed("cite"):
            checked = self.quotes.check(text)
        whole = self._check(text, checked.whole)
        result = CiteResult(text=text, verdict=whole.verdict, whole=whole,
                            sentences=[self._check(text, s) for s in checked.sentences], partial=checked.partial,
                            note=checked.note, link=quote_check_path(text), took_ms=_ms_since(started))
        return on_base(result, self.link_base(link_base))

    def _check(self, text: str, checked: CheckedSpan) -> QuoteCheck:
        matches = [self._quote_match(f) for f in checked.found]
        return QuoteCheck(text=text[checked.start:checked.end], start=checked.start, end=checked.end,
                          verdict=matches[0].verdict if matches else Verdict.not_found, matches=matches)

    def _quote_match(self, found: Found) -> QuoteMatch:
        doc = self.index.documents[found.doc_id]
        return QuoteMatch.of(doc, found.start, found.end, verdict=found.verdict, score=found.score,
                             diff=list(found.diff), material_changes=list(found.material),
                             omissions=[Omission(start=s, end=e, text=doc.text[s:e]) for s, e in found.omissions])

    def _answer(self, s: Sentence | None, question: str | None = None) -> Answer | None:
        """The sentence as a citation, with the answer phrase inside it when the question is given and a
        rule finds one (English questions only: the rules read English)."""
        if s is None:
            return None
        doc = self.index.documents[s.doc_id]
        phrase = answer_span(question, doc.text[s.start:s.end]) if question else None
        span = None if phrase is None else Span(start=s.start + phrase.start, end=s.start + phrase.end)
        return Answer.of(doc, s.start, s.end, span=span)

    def _corroboration(self, s: Sentence, similarity: float) -> Corroboration:
        return Corroboration.of(self.index.documents[s.doc_id], s.start, s.end, similarity=round(similarity, 4))

    def document(self, doc_id: str) -> Document:
        doc = self.index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}")
        return doc

    def excerpt(self, doc_id: str, start: int, end: int, context: int, link_base: str | None = None) -> Excerpt:
        """The cited text with `context` characters either side: a stable citation link's target."""
        doc = self.document(doc_id)
        if not 0 <= start < end <= doc.length:
            raise InvalidRequestError(f"offsets must satisfy 0 <= start < end <= {doc.length} for "
                                      f"{doc_id}; got start={start}, end={end}")
        excerpt = Excerpt.of(doc, start, end, before=doc.text[max(0, start - context):start],
                             after=doc.text[end:end + context])
        return on_base(excerpt, self.link_base(link_base))


def _highlight(passages: list[Passage], sentences: list[Sentence]) -> None:
    """Mark, in each passage, the sentences that state the answer."""
    for passage in passages:
        passage.highlights = [Span(start=s.start, end=s.end) for s in sentences
                              if s.doc_id == passage.doc_id and passage.start <= s.start and s.end <= passage.end]


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _changed_documents(before: CorpusIndex, after: CorpusIndex) -> tuple[dict[str, str], list[str]]:
    """The articles a write added (doc id -> text) and the ids it removed (a replaced article is both)."""
    old, new = before.documents, after.documents
    added = {doc_id: doc.text for doc_id, doc in new.items() if doc_id not in old or old[doc_id].sha256 != doc.sha256}
    removed = [doc_id for doc_id, doc in old.items() if doc_id not in new or new[doc_id].sha256 != doc.sha256]
    return added, removed
