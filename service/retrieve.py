"""Retrieval: rank chunks with FAISS, BM25 or both, then merge overlapping chunks into passages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.backend import Scope
from index.embed import Embedder
from index.store import CorpusIndex
from service.fuse import reciprocal_rank_fusion
from service.metrics import timed
from service.models import Filters, Passage, RetrievalMode
from service.query_embedding import CachedQueryEmbedder
from service.request_errors import InvalidRequestError


@dataclass(frozen=True, slots=True)
class RankedChunk:
    chunk_id: int
    score: float
    retrievers: frozenset[RetrievalMode]


@dataclass(frozen=True)
class Ranking:
    """The fused ranking, and each leg's own (kept so answers can look past fusion's blind spots)."""

    fused: list[RankedChunk]
    legs: dict[RetrievalMode, list[RankedChunk]]

    def leg_heads(self, n: int) -> list[RankedChunk]:
        return [item for leg in self.legs.values() for item in leg[:n]]


@dataclass(frozen=True)
class Retrieval:
    """One request's retrieval, shared by search and ask: the query's vector (None when nothing needs
    it), the ranking, and the top k passages."""

    vector: np.ndarray | None
    ranking: Ranking
    passages: list[Passage]
    k: int


class Retriever:
    def __init__(self, index: CorpusIndex, embedder: Embedder, rrf_k: int, query_cache_size: int = 1024,
                 embed_lanes: int = 1) -> None:
        self.index = index
        self.queries = CachedQueryEmbedder(embedder, query_cache_size, lanes=embed_lanes)
        self.rrf_k = rrf_k

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
                 need_vector: bool = False) -> Retrieval:
        """The top k passages for `query`, from at least `pool` chunks per retriever. The query is
        embedded here, once, when the dense leg or the caller (`need_vector`) uses its vector."""
        vector = None
        if need_vector or mode is not RetrievalMode.lexical:
            with timed("embed"):
                vector = self.queries.embed_query(query)
        ranking = self.ranking(query, mode, max(pool, k), filters, vector)
        with timed("passages"):
            passages = self.top_passages(ranking, k)
        return Retrieval(vector, ranking, passages, k)

    def ranking(self, query: str, mode: RetrievalMode, pool: int, filters: Filters | None = None,
                query_vector: np.ndarray | None = None) -> Ranking:
        """Chunks ranked by `mode`, best first, at most `pool` from each retriever, and each leg's own list."""
        scope = self.scope(filters)
        if scope is not None and not any(scope.admits(doc) for doc in self.index.documents.values()):
            return Ranking([], {})
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode in (RetrievalMode.dense, RetrievalMode.hybrid):
            vector = query_vector if query_vector is not None else self.queries.embed_query(query)
            with timed("dense"):
                dense = [(hit.row, hit.score) for hit in self.index.backend.dense(vector, pool, scope)]
        if mode in (RetrievalMode.lexical, RetrievalMode.hybrid):
            with timed("lexical"):
                lexical = [(hit.row, hit.score) for hit in self.index.backend.lexical(query, pool, scope)]
        legs = {leg: [RankedChunk(i, s, frozenset({leg})) for i, s in ranked]
                for leg, ranked in ((RetrievalMode.dense, dense), (RetrievalMode.lexical, lexical)) if ranked}
        if mode is not RetrievalMode.hybrid:
            return Ranking(legs.get(mode, []), legs)
        found_by = {i: {RetrievalMode.dense} for i, _ in dense}
        for i, _ in lexical:
            found_by.setdefault(i, set()).add(RetrievalMode.lexical)
        with timed("fuse"):
            fused = reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in lexical]], k=self.rrf_k)
        return Ranking([RankedChunk(int(i), s, frozenset(found_by[i])) for i, s in fused[:pool]], legs)

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
