"""What the gate tells people and CI: which questions went from hit to miss and back, the table, and the
JUnit XML (one test case per metric and per question and outcome)."""

import xml.etree.ElementTree as ET

from eval.cli import full_report
from eval.gate import baseline_path, compare
from eval.junit import junit_xml
from eval.present import render
from eval.runner import Report


def _report(recall: float, hits: dict[str, bool]) -> Report:
    return Report(created_at="now", settings={}, gold={"questions": "gold/questions.jsonl"},
                  metrics={"retrieval.hybrid.recall@5": recall},
                  per_question={"retrieval.hybrid.hit@5": hits},
                  cases={"q1": "Who?", "q2": "When?", "q3": "Where?"}, latency_ms={}, details={})


BASELINE = {"metrics": {"retrieval.hybrid.recall@5": 0.67},
            "per_question": {"retrieval.hybrid.hit@5": {"q1": True, "q2": False, "q3": True}}}


def test_the_diff_names_questions_both_ways_and_the_table_shows_them():
    report = _report(0.33, {"q1": False, "q2": True, "q3": False})
    gate = compare(report, BASELINE)
    assert not gate.passed
    assert gate.failures == ["retrieval.hybrid.recall@5: 0.3300 vs baseline 0.6700 (tolerance 0.02)"]
    assert gate.hit_to_miss == {"retrieval.hybrid.hit@5": ["q1", "q3"]}
    assert gate.miss_to_hit == {"retrieval.hybrid.hit@5": ["q2"]}
    table = render(report, BASELINE, gate)
    assert ("went from hit to miss since the baseline (2):\n  q1: Who?\n      retrieval.hybrid.hit@5\n"
            "  q3: Where?\n      retrieval.hybrid.hit@5") in table
    assert "went from miss to hit since the baseline (1):\n  q2: When?" in table
    assert table.endswith("GATE FAILED (1):\n  retrieval.hybrid.recall@5: 0.3300 vs baseline 0.6700 (tolerance 0.02)")


def test_a_baseline_from_other_arithmetic_is_named_and_does_not_fail_the_gate():
    """RUNRI_BUILD_COMPUTE=auto builds with bfloat16 on AMX cores and float32 elsewhere: a run on the other
    kind says so beside its verdict, and how to compare like with like."""
    report = _report(0.67, {"q1": True, "q2": False, "q3": True})
    report.settings["build_compute"] = "float32"
    baseline = {**BASELINE, "settings": {"build_compute": "bfloat16"}}
    gate = compare(report, baseline)
    assert gate.passed
    assert render(report, baseline, gate).endswith(
        "note: this index was built with float32 arithmetic and the baseline with bfloat16: figures may differ in "
        "the third decimal; for like with like, rebuild with RUNRI_BUILD_COMPUTE=bfloat16\n\ngate passed")
    report.settings["build_compute"] = "bfloat16"
    assert compare(report, baseline).caveats == []


def test_junit_fails_only_what_regressed_and_skips_known_misses():
    report = _report(0.33, {"q1": False, "q2": False, "q3": True})
    root = junit_xml(report, BASELINE, compare(report, BASELINE)).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "2", "1")
    metrics, questions = root.findall("testsuite")
    assert metrics.find("testcase/failure").get("message").startswith("retrieval.hybrid.recall@5: 0.3300")
    cases = {c.get("name"): c for c in questions.findall("testcase")}
    assert questions.get("name") == "retrieval.hybrid.hit@5" and set(cases) == {"q1", "q2", "q3"}
    assert cases["q1"].find("failure").get("message") == "q1 went from hit to miss since the baseline: Who?"
    assert cases["q2"].find("skipped").get("message") == "a miss in the baseline too: When?"
    assert list(cases["q3"]) == []
    ET.fromstring(ET.tostring(root))  # well-formed


def test_without_a_baseline_the_gate_says_how_to_record_one():
    report = _report(0.5, {"q1": True})
    gate = compare(report, {})
    assert gate.failures == ["baseline: none recorded yet; record this run with --update-baseline"]
    suite = junit_xml(report, {}, gate).getroot().find("testsuite")
    assert [c.get("name") for c in suite.findall("testcase[failure]")] == ["baseline"]


def test_the_full_report_leads_with_the_verdict_and_the_baseline_sits_beside_the_gold():
    report = _report(0.33, {"q1": False, "q2": True, "q3": False})
    full = full_report(report, compare(report, BASELINE), baseline_path(report.gold))
    assert list(full)[:2] == ["gate", "created_at"]
    assert full["gate"]["baseline"] == "gold/baseline.json" and full["gate"]["passed"] is False
    assert full["gate"]["hit_to_miss"] == {"retrieval.hybrid.hit@5": ["q1", "q3"]}
    assert full["cases"]["q1"] == "Who?"
