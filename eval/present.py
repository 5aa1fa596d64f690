"""The eval table people read: each metric, its baseline, the change, and what the gate thinks."""

from __future__ import annotations

from eval.gate import GateResult
from eval.runner import Report


def render(report: Report, baseline: dict, gate: GateResult) -> str:
    base = baseline.get("metrics", {})
    failed = {line.split(":")[0] for line in gate.failures}
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
    if gate.hit_to_miss:
        lines += ["", "went from hit to miss since the baseline:"]
        lines += [f"  {outcome}: {', '.join(ids)}" for outcome, ids in gate.hit_to_miss.items()]
    lines += [""] + ([f"GATE FAILED ({len(gate.failures)}):"] + [f"  {f}" for f in gate.failures]
                     if gate.failures else ["gate passed" if baseline else "no baseline recorded yet"])
    return "\n".join(lines)
