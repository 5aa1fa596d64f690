"""The gate as JUnit XML, the format every CI renders: one test case per metric, and one per question and
outcome. A case fails when it went from hit to miss since the baseline (or its metric failed the gate);
a miss the baseline had too is reported as skipped, so CI shows known misses without going red."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from eval.gate import GateResult
from eval.runner import Report


def junit_xml(report: Report, baseline: dict, gate: GateResult) -> ET.ElementTree:
    root = ET.Element("testsuites", name="runri eval")
    _metric_suite(root, report, gate)
    known = baseline.get("per_question", {})
    lost = {(outcome, case) for outcome, cases in gate.hit_to_miss.items() for case in cases}
    for outcome, hits in report.per_question.items():
        suite = _suite(root, outcome)
        for case, hit in hits.items():
            element = ET.SubElement(suite, "testcase", classname=outcome, name=case)
            text = report.cases.get(case, "")
            if (outcome, case) in lost:
                ET.SubElement(element, "failure", type="regression",
                              message=f"{case} went from hit to miss since the baseline: {text}")
            elif not hit:
                why = "a miss in the baseline too" if known.get(outcome, {}).get(case) is False else "a miss"
                ET.SubElement(element, "skipped", message=f"{why}: {text}")
    for suite in root:
        _count(suite)
    _count(root)
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: Path, report: Report, baseline: dict, gate: GateResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(report, baseline, gate).write(path, encoding="utf-8", xml_declaration=True)


def _metric_suite(root: ET.Element, report: Report, gate: GateResult) -> None:
    suite = _suite(root, "metrics")
    failures = {line.split(":")[0]: line for line in gate.failures}
    for name in list(report.metrics) + [n for n in failures if n not in report.metrics]:
        element = ET.SubElement(suite, "testcase", classname="metrics", name=name)
        if name in failures:
            ET.SubElement(element, "failure", type="gate", message=failures[name])


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name)


def _count(element: ET.Element) -> None:
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    element.set("skipped", str(sum(c.find("skipped") is not None for c in cases)))
    element.set("errors", "0")
