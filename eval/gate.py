"""The regression gate: a metric may not fall below the recorded baseline by more than its tolerance."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from eval.gold import EVAL_DIR
from eval.runner import Report

BASELINE = EVAL_DIR / "baseline.json"
# One question of ~100 moves a mean by ~0.01; allow that much noise before failing.
DEFAULT_TOLERANCE = 0.02
LOWER_IS_BETTER = {"abstention.false_abstention_rate"}


@dataclass
class GateResult:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)  # why this run may not compare like with like
    # outcome ("retrieval.hybrid.hit@5") -> case ids that changed since the baseline
    hit_to_miss: dict[str, list[str]] = field(default_factory=dict)
    miss_to_hit: dict[str, list[str]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def failed_metrics(self) -> set[str]:
        return {line.split(":")[0] for line in self.failures}


def baseline_path(gold: dict[str, str]) -> Path:
    """Beside the gold files: eval/baseline.json for the project's, gold/baseline.json for gold/*.jsonl."""
    return Path(gold.get("questions") or gold["quotes"]).parent / "baseline.json" if gold else BASELINE


def compare(report: Report, baseline: dict) -> GateResult:
    result = GateResult()
    if not baseline.get("metrics"):
        result.failures.append("baseline: none recorded yet; record this run with --update-baseline")
        return result
    built, recorded = report.settings.get("build_compute"), baseline.get("settings", {}).get("build_compute")
    if built and recorded and built != recorded:  # RUNRI_BUILD_COMPUTE=auto differs between CPUs
        result.caveats.append(f"this index was built with {built} arithmetic and the baseline with {recorded}: "
                              "figures may differ in the third decimal; for like with like, rebuild with "
                              f"RUNRI_BUILD_COMPUTE={recorded}")
    tolerances = baseline.get("tolerances", {})
    for name, base in baseline.get("metrics", {}).items():
        if base is None:
            continue
        now = report.metrics.get(name)
        tol = tolerances.get(name, DEFAULT_TOLERANCE)
        if now is None:
            result.failures.append(f"{name}: missing from this run (baseline {base:.4f})")
        elif (now > base + tol) if name in LOWER_IS_BETTER else (now < base - tol):
            result.failures.append(f"{name}: {now:.4f} vs baseline {base:.4f} (tolerance {tol})")
        elif now != base:
            result.notes.append(f"{name}: {now:.4f} vs baseline {base:.4f}")
    for name, floor in baseline.get("floors", {}).items():  # absolute targets, whatever the baseline says
        now = report.metrics.get(name)
        if now is None or now < floor:
            result.failures.append(f"{name}: {'missing' if now is None else f'{now:.4f}'} is below its floor {floor}")
    for name, now in report.metrics.items():
        if now is not None and baseline.get("metrics", {}).get(name) is None:
            result.failures.append(f"{name}: {now:.4f} has no baseline yet; record it with --update-baseline")
    for outcome, base_hits in baseline.get("per_question", {}).items():
        now_hits = report.per_question.get(outcome, {})
        for changes, was in ((result.hit_to_miss, True), (result.miss_to_hit, False)):
            changed = sorted(qid for qid, hit in base_hits.items() if hit is was and now_hits.get(qid) is (not was))
            if changed:
                changes[outcome] = changed
    return result


def read_baseline(path: Path = BASELINE) -> dict:
    if not path.exists():
        return {}
    try:
        baseline = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a baseline ({exc}); record a new one with --update-baseline") from exc
    if not isinstance(baseline, dict):
        raise ValueError(f"{path}: not a baseline (expected a JSON object); record a new one with --update-baseline")
    return baseline


def write_baseline(report: Report, path: Path = BASELINE) -> None:
    previous = read_baseline(path)
    baseline = {
        "created_at": report.created_at,
        "settings": report.settings,
        "gold": report.gold,
        "tolerances": previous.get("tolerances", {}),
        "floors": previous.get("floors", {}),
        "metrics": {k: v for k, v in sorted(report.metrics.items()) if v is not None},
        "per_question": report.per_question,
    }
    path.write_text(json.dumps(baseline, indent=1, sort_keys=False) + "\n", encoding="utf-8")
