"""The answer model's training candidates are cached; a change to the code that makes them must not be
trained on stale rows (a retrieval change did exactly that once: same depth, other candidates)."""

from __future__ import annotations

import shutil

import eval.train_answerer as train
from service.settings import REPO_ROOT


def test_the_key_reads_the_retrieval_and_feature_code():
    read = {str(p.relative_to(REPO_ROOT)) for p in train.candidate_sources(REPO_ROOT)}
    assert {"service/retrieve.py", "service/answer_features.py", "index/store.py", "eval/answerer_data.py"} <= read
    assert "eval/train_answerer.py" not in read  # retraining with other parameters reuses the candidates


def test_the_key_changes_with_the_retrieval_code_and_the_depth(tmp_path, monkeypatch):
    for path in train.candidate_sources(REPO_ROOT):
        copy = tmp_path / path.relative_to(REPO_ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
    monkeypatch.setattr(train, "REPO_ROOT", tmp_path)
    params = train.Params()
    before = train.candidates_key(params)
    assert train.candidates_key(params) == before  # stable
    assert train.candidates_key(train.Params(depth=params.depth + 1)) != before
    retrieve = tmp_path / "service" / "retrieve.py"
    retrieve.write_text(retrieve.read_text() + "\n# changed\n")
    assert train.candidates_key(params) != before
