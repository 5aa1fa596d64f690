"""The gate fails on a drop beyond tolerance and names the questions that went from hit to miss.

One eval run of the project's gold set serves every test here; the command line around the gate (a
baseline recorded, then a red run naming its questions, in its output and its JUnit file) is
tests/eval/test_own_gold_set.py, and `make test` runs `runri eval` on the project's gold set after the suite."""

import pytest

from eval.gate import compare, read_baseline, write_baseline
from eval.runner import Report, run_eval


@pytest.fixture(scope="module")
def report(engine) -> Report:
    return run_eval(engine)


def test_report_has_every_retrieval_metric_and_latency(report):
    for mode in ("dense", "lexical", "hybrid"):
        for name in ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"):
            assert 0.0 <= report.metrics[f"retrieval.{mode}.{name}"] <= 1.0
    assert report.latency_ms["/search hybrid"]["p50"] > 0


def test_hybrid_is_at_least_as_good_as_each_single_mode(report):
    for metric in ("recall@5", "mrr@10"):
        hybrid = report.metrics[f"retrieval.hybrid.{metric}"]
        assert hybrid >= report.metrics[f"retrieval.dense.{metric}"]
        assert hybrid >= report.metrics[f"retrieval.lexical.{metric}"]


def test_identical_run_passes_and_a_better_baseline_fails_naming_questions(report, tmp_path):
    path = tmp_path / "baseline.json"
    write_baseline(report, path)
    assert compare(report, read_baseline(path)).passed

    better = read_baseline(path)
    better["metrics"]["retrieval.hybrid.recall@5"] = report.metrics["retrieval.hybrid.recall@5"] + 0.05
    missed = next(qid for qid, hit in report.per_question["retrieval.hybrid.hit@5"].items() if not hit)
    better["per_question"]["retrieval.hybrid.hit@5"][missed] = True
    result = compare(report, better)
    assert not result.passed
    assert any(f.startswith("retrieval.hybrid.recall@5:") for f in result.failures)
    assert result.hit_to_miss["retrieval.hybrid.hit@5"] == [missed]


def test_a_drop_within_tolerance_passes(report, tmp_path):
    path = tmp_path / "baseline.json"
    write_baseline(report, path)
    baseline = read_baseline(path)
    baseline["metrics"]["retrieval.dense.mrr@10"] += 0.01
    assert compare(report, baseline).passed


def test_a_run_shows_its_progress(engine, capsys):
    """`runri eval` is a minute of silence otherwise: a bar counts its requests on stderr."""
    from eval.runner import _Timer

    timer = _Timer(progress=2)
    assert timer.time("/ask", lambda: 42) == 42 and timer.time("/cite", lambda: 43) == 43
    timer.close()
    err = capsys.readouterr().err
    assert "eval /cite" in err and "2/2" in err


def test_the_multilingual_gold_set_is_judged_per_language_and_for_names(report):
    for group in ("multilingual.zh", "multilingual.ja", "names"):
        for name in ("recall@5", "recall@5_english", "contains_gold", "answered"):
            assert 0.0 <= report.metrics[f"{group}.{name}"] <= 1.0
    assert report.metrics["names.did_you_mean"] == 1.0  # every misspelled name is corrected as the gold set says
    assert report.latency_ms["/ask zh"]["n"] == 52 and report.latency_ms["/ask ja"]["n"] == 52


def test_a_floor_fails_below_it_whatever_the_baseline_says(report, tmp_path):
    path = tmp_path / "baseline.json"
    write_baseline(report, path)
    baseline = read_baseline(path)
    value = report.metrics["multilingual.ja.recall@5_vs_english"]
    baseline["floors"] = {"multilingual.ja.recall@5_vs_english": value}
    assert compare(report, baseline).passed
    baseline["floors"] = {"multilingual.ja.recall@5_vs_english": value + 0.01}
    result = compare(report, baseline)
    assert not result.passed
    assert result.failures == [f"multilingual.ja.recall@5_vs_english: {value:.4f} is below its floor {value + 0.01}"]
