"""Retrieval: rank chunks with the dense leg (all-MiniLM-L6-v2), BM25 and, for questions not in English,
the cross-lingual leg (multilingual USE), fuse them, then merge overlapping chunks into passages. The two
vector legs rank each chunk by its own vector and by its best sentence's (README, 'Retrieval')."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from index.backend import Scope
from index.embed import Embedder
from index.store import CorpusIndex
from service.fuse import reciprocal_rank_fusion
from service.language import Language
from service.metrics import timed
from service.models import Filters, Passage, RetrievalMode
from service.query_embedding import CachedQueryEmbedder
from service.request_errors import InvalidRequestError
from service.sentence_chunks import SentenceChunks


SENTENCES_PER_CHUNK = 3  # sentences searched per chunk wanted, by the legs that rank sentences


class _Admitted:
    """Which chunks a scope admits, for the legs that rank sentences and filter their chunks after:
    asked chunk by chunk (one lookup per article), or as every admitted id for a FAISS id filter."""

    def __init__(self, index: CorpusIndex, scope: Scope | None) -> None:
        self._index, self._scope = index, scope
        self._by_doc: dict[str, bool] = {}

    def array(self) -> np.ndarray | None:
        if self._scope is None:
            return None
        return self._index.chunks.rows_of(d for d in self._index.documents if self._doc_admitted(d))

    def admits(self, chunk_id: int) -> bool:
        return self._scope is None or self._doc_admitted(self._index.chunks.doc_id(chunk_id))

    def _doc_admitted(self, doc_id: str) -> bool:
        if doc_id not in self._by_doc:
            self._by_doc[doc_id] = self._scope.admits(self._index.documents[doc_id])
        return self._by_doc[doc_id]


@dataclass(frozen=True, slots=True)
class RankedChunk:
    chunk_id: int
    score: float
    retrievers: frozenset[RetrievalMode]


@dataclass(frozen=True)
class Ranking:
    """The fused ranking, and each leg's own (kept so answers can look past fusion's blind spots).

    `for_answers`: the same ranking with the dense leg on chunk vectors alone, when it differs. The
    answer model was trained on candidates from that ranking (`make train-answerer`), and fed the
    sentence-aware one it picks worse on held-out SQuAD (P@1 0.811 -> 0.800; README, 'Retrieval')."""

    fused: list[RankedChunk]
    legs: dict[RetrievalMode, list[RankedChunk]]
    for_answers: Ranking | None = None

    @property
    def answer_view(self) -> Ranking:
        return self.for_answers or self

    def leg_heads(self, n: int) -> list[RankedChunk]:
        return [item for leg in self.legs.values() for item in leg[:n]]


@dataclass(frozen=True)
class Retrieval:
    """One request's retrieval, shared by search and ask: the query's vector (None when nothing needs
    it), its multilingual (USE) vector when the cross-lingual leg ran, the ranking, the top k passages,
    and the question's language."""

    vector: np.ndarray | None
    ranking: Ranking
    passages: list[Passage]
    k: int
    multilingual_vector: np.ndarray | None = None
    language: Language = Language.en
    lexical_query: str | None = None  # what BM25 searched, when not the question itself


_LEG_ORDER = (RetrievalMode.dense, RetrievalMode.lexical, RetrievalMode.multilingual)


def _ranked(ranked: dict[RetrievalMode, list[tuple[int, float]]], legs: frozenset[RetrievalMode], fuse: bool,
            pool: int, rrf_k: int) -> Ranking:
    """Each leg's list, and their reciprocal rank fusion (or the one leg asked for)."""
    legs_found = {leg: [RankedChunk(i, s, frozenset({leg})) for i, s in ranked[leg]]
                  for leg in _LEG_ORDER if ranked.get(leg)}
    if not fuse:
        only = next(iter(legs))
        return Ranking(legs_found.get(only, []), legs_found)
    found_by: dict[int, set[RetrievalMode]] = {}
    for leg in _LEG_ORDER:
        for i, _ in ranked.get(leg, []):
            found_by.setdefault(i, set()).add(leg)
    fused = reciprocal_rank_fusion([[i for i, _ in ranked[leg]] for leg in _LEG_ORDER if leg in ranked], k=rrf_k)
    return Ranking([RankedChunk(int(i), s, frozenset(found_by[i])) for i, s in fused[:pool]], legs_found)


class Retriever:
    def __init__(self, index: CorpusIndex, embedder: Embedder, rrf_k: int, query_cache_size: int = 1024,
                 embed_lanes: int = 1, multilingual_embedder: Embedder | None = None,
                 multilingual_leg: str = "non_english", previous: Retriever | None = None,
                 dense_sentences: bool = True) -> None:
        """`previous`: the retriever of the index this one replaces, over the same models: its query
        embedders, with their cache and batching, are kept (a write must not reset them)."""
        self.index = index
        self.queries = (previous.queries if previous is not None
                        else CachedQueryEmbedder(embedder, query_cache_size, lanes=embed_lanes))
        self.multilingual_queries = None
        if multilingual_embedder is not None and index.multilingual is not None:
            self.multilingual_queries = ((previous.multilingual_queries if previous is not None else None)
                                         or CachedQueryEmbedder(multilingual_embedder, query_cache_size))
        self.multilingual_leg = multilingual_leg
        self.rrf_k = rrf_k
        self.dense_sentences = dense_sentences
        self._sentence_chunks: SentenceChunks | None = None  # built on first use

    def clear_caches(self) -> None:
        self.queries.clear()
        if self.multilingual_queries is not None:
            self.multilingual_queries.clear()

    def hybrid_legs(self, language: Language) -> frozenset[RetrievalMode]:
        """The legs fused for a question in `language`. all-MiniLM-L6-v2 only knows English: a Chinese
        question goes to the cross-lingual leg instead (and BM25, for the names and figures it shares
        with the articles), which also keeps its cost near an English question's."""
        crosslingual = self.multilingual_queries is not None and (
            self.multilingual_leg == "always" or (self.multilingual_leg == "non_english" and not language.is_english))
        if not crosslingual:
            return frozenset({RetrievalMode.dense, RetrievalMode.lexical})
        if language.is_english:
            return frozenset({RetrievalMode.dense, RetrievalMode.lexical, RetrievalMode.multilingual})
        return frozenset({RetrievalMode.lexical, RetrievalMode.multilingual})

    def scope(self, filters: Filters | None) -> Scope | None:
        """The filters as a backend scope, or None for no restriction. Unknown ids are the caller's error."""
        if filters is None or filters.is_empty():
            return None
        if filters.doc_ids:
            unknown = sorted(set(filters.doc_ids) - set(self.index.documents))
            if unknown:
                raise InvalidRequestError(f"filters.doc_ids names unknown documents: {', '.join(map(repr, unknown))}; "
                                          "GET /documents lists the valid ids")
        return Scope(frozenset(filters.doc_ids) if filters.doc_ids else None, filters.publication,
                     filters.date_from, filters.date_to, filters.include_undated)

    def retrieve(self, query: str, mode: RetrievalMode, k: int, pool: int, filters: Filters | None = None,
                 need_vector: bool = False, language: Language = Language.en,
                 lexical_query: str | None = None) -> Retrieval:
        """The top k passages for `query`, from at least `pool` chunks per retriever. The query is
        embedded here, once per model whose leg runs, and by all-MiniLM-L6-v2 also when the caller
        (`need_vector`) uses its vector. `lexical_query`: what BM25 searches, when it differs (the
        question plus the corpus' other spellings of its names)."""
        legs = self._legs(mode, language)
        needs_dense = RetrievalMode.dense in legs or (need_vector and language.is_english)
        vector = multilingual_vector = None
        with timed("embed"):
            if needs_dense:
                vector = self.queries.embed_query(query)
            if RetrievalMode.multilingual in legs:
                multilingual_vector = self.multilingual_queries.embed_query(query)
        ranking = self._ranking(query, legs, mode is RetrievalMode.hybrid, max(pool, k), filters, vector,
                                multilingual_vector, lexical_query)
        with timed("passages"):
            passages = self.top_passages(ranking, k)
        return Retrieval(vector, ranking, passages, k, multilingual_vector, language, lexical_query)

    def ranking(self, query: str, mode: RetrievalMode, pool: int, filters: Filters | None = None,
                query_vector: np.ndarray | None = None, language: Language = Language.en) -> Ranking:
        """Chunks ranked by `mode`, best first, at most `pool` from each retriever, and each leg's own list."""
        return self._ranking(query, self._legs(mode, language), mode is RetrievalMode.hybrid, pool, filters,
                             query_vector)

    def _legs(self, mode: RetrievalMode, language: Language) -> frozenset[RetrievalMode]:
        if mode is RetrievalMode.hybrid:
            return self.hybrid_legs(language)
        if mode is RetrievalMode.multilingual and self.multilingual_queries is None:
            raise InvalidRequestError("mode 'multilingual' needs the cross-lingual leg, which this index was built "
                                      "without (RUNRI_MULTILINGUAL_LEG=off); use dense, lexical or hybrid")
        return frozenset({mode})

    def _ranking(self, query: str, legs: frozenset[RetrievalMode], fuse: bool, pool: int, filters: Filters | None,
                 query_vector: np.ndarray | None = None, multilingual_vector: np.ndarray | None = None,
                 lexical_query: str | None = None) -> Ranking:
        scope = self.scope(filters)
        if scope is not None and not any(scope.admits(doc) for doc in self.index.documents.values()):
            return Ranking([], {})
        ranked: dict[RetrievalMode, list[tuple[int, float]]] = {}
        admitted = _Admitted(self.index, scope)
        by_chunk_vector = None
        if RetrievalMode.dense in legs:
            vector = query_vector if query_vector is not None else self.queries.embed_query(query)
            with timed("dense"):
                ranked[RetrievalMode.dense], by_chunk_vector = self._dense(vector, pool, scope, admitted)
        if RetrievalMode.lexical in legs:
            with timed("lexical"):
                ranked[RetrievalMode.lexical] = [(hit.row, hit.score) for hit in
                                                 self.index.backend.lexical(lexical_query or query, pool, scope)]
        if RetrievalMode.multilingual in legs:
            vector = (multilingual_vector if multilingual_vector is not None
                      else self.multilingual_queries.embed_query(query))
            with timed("multilingual"):
                ranked[RetrievalMode.multilingual] = self._multilingual(vector, pool, admitted)
        with timed("fuse"):
            ranking = _ranked(ranked, legs, fuse, pool, self.rrf_k)
            if by_chunk_vector is None:
                return ranking
            return replace(ranking, for_answers=_ranked({**ranked, RetrievalMode.dense: by_chunk_vector}, legs,
                                                        fuse, pool, self.rrf_k))

    def _dense(self, vector: np.ndarray, pool: int, scope: Scope | None, admitted: _Admitted
               ) -> tuple[list[tuple[int, float]], list[tuple[int, float]] | None]:
        """The dense leg: chunks by their own vector, and by their best sentence's, fused, as the
        cross-lingual leg does. A question is sentence-sized and all-MiniLM-L6-v2 averages a chunk's
        sentences into something vaguer, so the answering sentence often ranks above its chunk ("How many
        Chinese residents did Osaka have in 2024?": the 57,396 sentence is 1st, its chunk 15th). The
        sentence vectors are the answer stage's own; this costs one more vector search, no embedding.
        Returns the leg's list, and the chunk-vector list when it differs (see `Ranking.for_answers`)."""
        by_chunk = [(hit.row, hit.score) for hit in self.index.backend.dense(vector, pool, scope)]
        if not self.dense_sentences:
            return by_chunk, None
        by_sentence = [hit.row for hit in self.index.backend.similar_sentences(vector, pool * SENTENCES_PER_CHUNK)]
        return self._fused([i for i, _ in by_chunk], self._chunks_of_sentences(by_sentence, admitted), pool), by_chunk

    def _multilingual(self, vector: np.ndarray, pool: int, admitted: _Admitted) -> list[tuple[int, float]]:
        """The cross-lingual leg: chunks by their own vector, and by their best sentence's, fused. A
        question is sentence-sized; the encoder averages a long chunk into something vaguer, so the
        sentence that answers often ranks higher than its chunk (57,396 Chinese in Osaka: 4th sentence,
        no chunk in the top 5). Its vectors are in FAISS whatever the backend (small: 512-d)."""
        allowed = admitted.array()
        _, ids = self.index.multilingual_chunk_vectors.search(vector, pool, allowed)
        _, rows = self.index.multilingual_sentence_vectors.search(vector, pool * SENTENCES_PER_CHUNK)
        return self._fused([int(i) for i in ids], self._chunks_of_sentences(rows, admitted), pool)

    def _chunks_of_sentences(self, rows: Iterable[int], admitted: _Admitted) -> list[int]:
        """The chunks holding the ranked sentences, in the order of their best sentence."""
        order: dict[int, None] = {}
        for row in rows:
            for chunk_id in self.chunks_of(int(row)):
                if admitted.admits(chunk_id):
                    order.setdefault(chunk_id, None)
        return list(order)

    def _fused(self, by_chunk: list[int], by_sentence: list[int], pool: int) -> list[tuple[int, float]]:
        fused = reciprocal_rank_fusion([by_chunk, by_sentence], k=self.rrf_k)
        return [(int(i), float(s)) for i, s in fused[:pool]]

    def chunks_of(self, sentence_id: int) -> list[int]:
        """The chunks that hold a sentence (one, or two where chunks overlap)."""
        if self._sentence_chunks is None:
            self._sentence_chunks = SentenceChunks(self.index)
        return self._sentence_chunks.of(sentence_id)

    def warm_up(self) -> None:
        """Build what the first question would otherwise wait for."""
        self.chunks_of(0)

    def top_passages(self, ranking: Ranking, k: int) -> list[Passage]:
        """The fused top k, but never without a leg's first hit: RRF scores a chunk only one retriever
        finds (a paraphrase only the dense leg sees) below chunks both rank moderately. Missing leg heads
        take the last places."""
        passages = self.passages(ranking.fused, k)
        if len(ranking.legs) < 2 or k < 2:
            return passages
        missing = []
        for head in ranking.leg_heads(1):
            chunk = self.index.chunks[head.chunk_id]
            if not any(p.doc_id == chunk.doc_id and p.start <= chunk.start and chunk.end <= p.end for p in passages):
                missing.append(next((f for f in ranking.fused if f.chunk_id == head.chunk_id), head))
        if missing:
            passages = passages[: k - len(missing)] + self.passages(missing, len(missing))
        return passages

    def passages(self, ranked: list[RankedChunk], k: int) -> list[Passage]:
        """Up to k passages: chunks of one document that overlap or touch are merged into one."""
        merged: list[dict] = []
        for item in ranked:
            chunk = self.index.chunks[item.chunk_id]
            target = next((m for m in merged if m["doc_id"] == chunk.doc_id
                           and chunk.start <= m["end"] and chunk.end >= m["start"]), None)
            if target is not None:
                target["start"] = min(target["start"], chunk.start)
                target["end"] = max(target["end"], chunk.end)
                target["retrievers"] |= item.retrievers
                continue
            if len(merged) == k:
                break
            merged.append({"doc_id": chunk.doc_id, "start": chunk.start, "end": chunk.end,
                           "score": item.score, "retrievers": set(item.retrievers)})
        return [self._passage(m) for m in merged]

    def _passage(self, m: dict) -> Passage:
        doc = self.index.documents[m["doc_id"]]
        return Passage.of(doc, m["start"], m["end"], score=round(float(m["score"]), 6),
                          retrievers=sorted(m["retrievers"], key=lambda r: r.value))
