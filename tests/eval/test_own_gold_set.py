"""A newsroom's own articles and gold set (the README's worked example): record a baseline, make retrieval
worse, and the gate turns red naming the broken questions, in its output and in the JUnit file."""

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from eval.cli import main
from service.index_lifecycle import build
from service.settings import REPO_ROOT, Settings
from tests.conftest import SEEDS

EXAMPLE_GOLD = REPO_ROOT / "examples" / "own-gold" / "questions.jsonl"
ARTICLES = {"run-to-japan": "000_7df7bf7b1c44685e", "osaka": "001_549853e61d50ae2c",
            "asian-talk": "003_f119616ee21580a0"}
WORSE_CHUNK_SIZE = 8000  # every article one chunk: the retrievers can no longer point at the passage


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """articles/ (three .txt files, no catalog), gold/questions.jsonl, data/."""
    root = tmp_path_factory.mktemp("newsroom")
    (root / "articles").mkdir()
    for name, seed in ARTICLES.items():
        shutil.copy(SEEDS / f"{seed}.txt", root / "articles" / f"{name}.txt")
    (root / "gold").mkdir()
    shutil.copy(EXAMPLE_GOLD, root / "gold" / "questions.jsonl")
    return root


def _settings(root: Path, **changes) -> Settings:
    return Settings(seeds_dir=root / "articles", data_dir=root / "data", **changes)


def test_a_bad_gold_file_stops_the_eval_before_the_model_loads(newsroom, tmp_path, capsys):
    bad = tmp_path / "questions.jsonl"
    bad.write_text('{"id": "q1", "question": "?", "answer": "x", "evidence": [{"doc": "osak", "quote": "x"}]}\n',
                   encoding="utf-8")
    assert main(["--questions", str(bad)], settings=_settings(newsroom)) == 2
    assert (f"error: the gold set is not valid:\n{bad}:1 (q1): evidence[0]: unknown document 'osak'; "
            "did you mean 'osaka'?") in capsys.readouterr().err


def test_baseline_then_worse_retrieval_fails_the_gate_naming_the_questions(newsroom, capsys):
    gold = newsroom / "gold" / "questions.jsonl"
    good = _settings(newsroom)
    build(good)
    assert main(["--questions", str(gold), "--update-baseline", "--json"], settings=good) == 0
    printed = capsys.readouterr()
    assert "gate passed" in printed.err, "--json: the table goes to stderr"
    assert json.loads(printed.out)["gate"] == {
        "passed": True, "baseline": str(newsroom / "gold" / "baseline.json"), "failures": [],
        "hit_to_miss": {}, "miss_to_hit": {}, "notes": [], "caveats": []}
    baseline = json.loads((newsroom / "gold" / "baseline.json").read_text())
    assert baseline["settings"]["questions"] == 10 and baseline["settings"]["documents"] == 3
    assert not any(name.startswith("cite.") for name in baseline["metrics"]), "no quote cases, no cite metrics"

    worse = _settings(newsroom, chunk_size=WORSE_CHUNK_SIZE)
    build(worse)
    junit = newsroom / "eval.xml"
    assert main(["--questions", str(gold), "--junit", str(junit)], settings=worse) == 1
    red = capsys.readouterr()

    report = json.loads((newsroom / "gold" / "reports" / "latest.json").read_text())
    lost = {case for cases in report["gate"]["hit_to_miss"].values() for case in cases}
    assert lost and report["gate"]["failures"]
    assert "GATE FAILED" in red.out
    for case in lost:
        assert f"\n  {case}: {report['cases'][case]}\n" in red.out
    root = ET.parse(junit).getroot()
    failed = {(c.get("classname"), c.get("name")) for c in root.iter("testcase") if c.find("failure") is not None}
    assert {name for suite, name in failed if suite != "metrics"} == lost
    assert {name for suite, name in failed if suite == "metrics"} == {f.split(":")[0] for f in report["gate"]["failures"]}
