"""The eval table people read: each metric, its baseline, the change, and what the gate thinks, then the
questions that changed since the baseline, each with what it lost or gained."""

from __future__ import annotations

from eval.gate import GateResult
from eval.runner import Report


def render(report: Report, baseline: dict, gate: GateResult) -> str:
    base = baseline.get("metrics", {})
    failed = gate.failed_metrics()
    lines = [f"{'metric':42} {'value':>8} {'baseline':>9} {'change':>8}", "-" * 70]
    for name, value in report.metrics.items():
        b = base.get(name)
        shown = "n/a" if value is None else f"{value:.4f}"
        change = "" if value is None or b is None else f"{value - b:+.4f}"
        flag = "  FAIL" if name in failed else ""
        lines.append(f"{name:42} {shown:>8} {'' if b is None else f'{b:.4f}':>9} {change:>8}{flag}")
    lines += ["", "latency (ms)        p50      p95      n"]
    for name, stats in sorted(report.latency_ms.items()):
        lines.append(f"{name:16} {stats['p50']:>8.1f} {stats['p95']:>8.1f} {int(stats['n']):>6}")
    for title, changes in (("went from hit to miss since the baseline", gate.hit_to_miss),
                           ("went from miss to hit since the baseline", gate.miss_to_hit)):
        by_case = by_question(changes)
        if by_case:
            lines += ["", f"{title} ({len(by_case)}):"]
            lines += [f"  {case}: {_short(report.cases.get(case, ''))}\n      {', '.join(outcomes)}"
                      for case, outcomes in by_case.items()]
    lines += [f"\nnote: {caveat}" for caveat in gate.caveats]
    lines += [""] + ([f"GATE FAILED ({len(gate.failures)}):"] + [f"  {f}" for f in gate.failures]
                     if gate.failures else ["gate passed"])
    return "\n".join(lines)


def by_question(changes: dict[str, list[str]]) -> dict[str, list[str]]:
    """{outcome: [case ids]} turned around: {case id: [outcomes]}, in case order."""
    cases: dict[str, list[str]] = {}
    for outcome, ids in changes.items():
        for case in ids:
            cases.setdefault(case, []).append(outcome)
    return dict(sorted(cases.items()))


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."
