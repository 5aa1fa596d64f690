"""The answer model's training candidates are cached; a change to the code that makes them must not be
trained on stale rows (a retrieval change did exactly that once: same depth, other candidates)."""

from __future__ import annotations

import shutil

import eval.train_answerer as train
from service.settings import REPO_ROOT


def test_every_file_the_key_reads_exists():
    assert all((REPO_ROOT / name).is_file() for name in train.CANDIDATE_CODE)


def test_the_key_changes_with_the_retrieval_code_and_the_depth(tmp_path, monkeypatch):
    for name in train.CANDIDATE_CODE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    monkeypatch.setattr(train, "REPO_ROOT", tmp_path)
    params = train.Params()
    before = train.candidates_key(params)
    assert train.candidates_key(params) == before  # stable
    assert train.candidates_key(train.Params(depth=params.depth + 1)) != before
    retrieve = tmp_path / "service" / "retrieve.py"
    retrieve.write_text(retrieve.read_text() + "\n# changed\n")
    assert train.candidates_key(params) != before
