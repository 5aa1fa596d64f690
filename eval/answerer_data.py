"""Candidate tables for training and checking the answer model: every question of a SQuAD split asked
through the service's own retrieval, each candidate sentence with its features and its label (does
it contain a gold answer?). Unanswerable questions give groups with no positive."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from eval.squad import Question
from service.answer_candidates import gather_candidates
from service.answer_features import FeatureExtractor
from service.retrieve import Retriever
from service.vocabulary import SentenceVocabulary
from service.models import RetrievalMode


@dataclass
class CandidateTable:
    features: np.ndarray       # (candidates, features)
    labels: np.ndarray         # 1 when the sentence contains a gold answer
    question_index: np.ndarray  # which question each row belongs to
    sentence_ids: np.ndarray
    answerable: np.ndarray     # per question
    doc_ids: list[str]         # per question (the gold article)


def contains_answer(start: int, end: int, doc_id: str, question: Question) -> bool:
    return question.answerable and doc_id == question.doc_id and any(
        start <= a_start and a_start + len(a_text) <= end for a_text, a_start in question.answers)


def candidate_table(retriever: Retriever, questions: list[Question], depth: int, leg_depth: int, pool: int = 30,
                    progress: bool = True) -> CandidateTable:
    extractor = FeatureExtractor(retriever.index, SentenceVocabulary(retriever.index))
    features, labels, owner, sentence_ids = [], [], [], []
    for qi, question in enumerate(tqdm(questions, desc="candidates", unit="q", disable=not progress)):
        vector = retriever.queries.embed_query(question.question)
        ranking = retriever.ranking(question.question, RetrievalMode.hybrid, pool, query_vector=vector)
        _, candidates = gather_candidates(retriever, ranking, depth, leg_depth)
        features.append(extractor.features(question.question, vector, candidates))
        labels += [contains_answer(c.sentence.start, c.sentence.end, c.sentence.doc_id, question) for c in candidates]
        owner += [qi] * len(candidates)
        sentence_ids += [c.sentence.id for c in candidates]
    return CandidateTable(np.vstack(features), np.array(labels, dtype=np.int8), np.array(owner),
                          np.array(sentence_ids), np.array([q.answerable for q in questions]),
                          [q.doc_id for q in questions])
