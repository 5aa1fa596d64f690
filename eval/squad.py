"""SQuAD dev sets (../shared/bench-data/squad/, CC BY-SA 4.0) as training and held-out data for the
answer stage, split by article title across SQuAD 1.1 and 2.0 so no held-out article is ever trained on.

Read in place; nothing of it is committed. The held-out articles are fixed by a hash of their titles,
so the split is the same on every machine and never depends on what was measured.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from service.settings import REPO_ROOT

SQUAD_DIR = REPO_ROOT.parent / "shared" / "bench-data" / "squad"
SPLIT_SALT = "runri-answerer-split-v1"
HELDOUT_V2_TITLES = 6   # of 23 SQuAD 2.0 articles (about a quarter)
HELDOUT_V1_ONLY_TITLES = 3  # of 13 articles only in SQuAD 1.1


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str
    paragraphs: list[tuple[int, int]]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    doc_id: str
    paragraph: int
    answerable: bool
    answers: list[tuple[str, int]]  # (text, start) in the article's text


def load_articles(version: str, squad_dir: Path = SQUAD_DIR) -> list[Article]:
    rows = _jsonl(squad_dir / version / "corpus.jsonl")
    return [Article(r["id"], r["title"], r["text"], [tuple(p) for p in r["paragraphs"]]) for r in rows]


def load_questions(version: str, squad_dir: Path = SQUAD_DIR) -> list[Question]:
    return [Question(r["id"], r["question"], r["doc_id"], r["paragraph"], r["answerable"],
                     [(a["text"], a["start"]) for a in r["answers"]])
            for r in _jsonl(squad_dir / version / "questions.jsonl")]


def heldout_titles(squad_dir: Path = SQUAD_DIR) -> frozenset[str]:
    """A quarter of the SQuAD 2.0 titles and a quarter of those only in 1.1, chosen by a salted hash."""
    v2 = {a.title for a in load_articles("v2.0", squad_dir)}
    v1_only = {a.title for a in load_articles("v1.1", squad_dir)} - v2
    by_hash = lambda titles: sorted(titles, key=lambda t: hashlib.sha256(f"{SPLIT_SALT}:{t}".encode()).hexdigest())
    return frozenset(by_hash(v2)[:HELDOUT_V2_TITLES] + by_hash(v1_only)[:HELDOUT_V1_ONLY_TITLES])


@dataclass(frozen=True)
class SplitSet:
    """One corpus (articles to index) and the questions asked of it."""

    name: str
    articles: list[Article]
    questions: list[Question]


def split_sets(squad_dir: Path = SQUAD_DIR) -> dict[str, SplitSet]:
    """train: SQuAD 2.0 training articles (answerable and unanswerable questions) plus the articles only
    in 1.1; heldout-v2 / heldout-v1: the held-out articles in each version, for the reported figures."""
    heldout = heldout_titles(squad_dir)
    v1, v2 = load_articles("v1.1", squad_dir), load_articles("v2.0", squad_dir)
    q1, q2 = load_questions("v1.1", squad_dir), load_questions("v2.0", squad_dir)
    v2_titles = {a.title for a in v2}
    train_articles = [a for a in v2 if a.title not in heldout] + [
        a for a in v1 if a.title not in v2_titles and a.title not in heldout]
    train_ids = {a.id for a in train_articles}

    def asked_of(articles, questions):
        ids = {a.id for a in articles}
        return [q for q in questions if q.doc_id in ids]

    return {
        "train": SplitSet("train", train_articles, [q for q in q2 + q1 if q.doc_id in train_ids]),
        "heldout-v2": SplitSet("heldout-v2", [a for a in v2 if a.title in heldout],
                               asked_of([a for a in v2 if a.title in heldout], q2)),
        "heldout-v1": SplitSet("heldout-v1", [a for a in v1 if a.title in heldout],
                               asked_of([a for a in v1 if a.title in heldout], q1)),
    }


def write_seeds(articles: list[Article], folder: Path) -> None:
    """The articles as a runri corpus folder: `<id>.txt` byte for byte (answer offsets stay valid)."""
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        (folder / f"{article.id}.txt").write_bytes(article.text.encode("utf-8"))
    catalog = {"documents": [{"id": a.id, "title": a.title.replace("_", " "), "publication": "Wikipedia (SQuAD)",
                              "author": None, "date": None, "url": None} for a in articles]}
    (folder / "catalog.json").write_text(json.dumps(catalog, indent=1), encoding="utf-8")


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
