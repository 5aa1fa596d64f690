"""Answer candidates: the sentences of the retrieved passages, each tagged with where it was found.

Fusion can bury a chunk only one retriever finds (a rare name only BM25 knows), so each retriever's
first chunks join the candidates too. The learned model then picks among all of them."""

from __future__ import annotations

from service.answer_features import Candidate
from service.models import Passage, RetrievalMode
from service.retrieve import Ranking, Retriever


def gather_candidates(retriever: Retriever, ranking: Ranking, depth: int, leg_depth: int
                      ) -> tuple[list[Passage], list[Candidate]]:
    """The top `depth` passages plus each leg's first `leg_depth` chunks not already inside them,
    and every sentence of those passages once, in passage order; from the ranking the answer model
    was trained on (`Ranking.answer_view`)."""
    ranking = ranking.answer_view
    passages = retriever.top_passages(ranking, depth)
    extra = [p for p in retriever.passages(ranking.leg_heads(leg_depth), depth * 2)
             if not any(q.doc_id == p.doc_id and q.start <= p.start and p.end <= q.end for q in passages)]
    everything = passages + extra
    seen: set[int] = set()
    candidates: list[Candidate] = []
    for rank, passage in enumerate(everything):
        for sentence in retriever.index.sentences_in(passage.doc_id, passage.start, passage.end):
            if sentence.id in seen:
                continue
            seen.add(sentence.id)
            candidates.append(Candidate(sentence, rank, passage.start, passage.end,
                                        RetrievalMode.dense in passage.retrievers,
                                        RetrievalMode.lexical in passage.retrievers))
    return everything, candidates
