"""`python -m eval` (and `runri eval`): run the gold set on the current index and apply the regression gate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.gate import BASELINE, compare, read_baseline, write_baseline
from eval.gold import EVAL_DIR
from eval.present import render
from eval.runner import run_eval
from index.errors import RunriError
from service.engine import Engine
from service.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except RunriError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="runri eval", description="Run the gold set and the regression gate.")
    parser.add_argument("--baseline", type=Path, help="compare with this file (default eval/baseline.json)")
    parser.add_argument("--update-baseline", action="store_true", help="record this run as the baseline")
    parser.add_argument("--report", type=Path, help="where to write the JSON report")
    return parser


def _run(args: argparse.Namespace) -> int:
    report = run_eval(Engine.open(get_settings()))
    report_path = args.report or EVAL_DIR / "reports" / "latest.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(report.model_dump_json(indent=1), encoding="utf-8")
    baseline_path = args.baseline or BASELINE
    if args.update_baseline:
        write_baseline(report, baseline_path)
        print(f"baseline written to {baseline_path}")
    baseline = read_baseline(baseline_path)
    gate = compare(report, baseline)
    print(render(report, baseline, gate))
    print(f"report: {report_path}")
    return 0 if gate.passed else 1
