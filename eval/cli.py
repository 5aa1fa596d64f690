"""`runri eval`: judge the corpus the settings point at on a gold set, and gate on its baseline.

Exit codes: 0 the gate passed, 1 quality dropped below the baseline (or none is recorded yet),
2 the eval could not run (a gold file or the baseline is invalid, the index is missing or stale)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from eval.gate import GateResult, baseline_path, compare, read_baseline, write_baseline
from eval.gold import GoldError, GoldSet, load_gold
from eval.junit import write_junit
from eval.present import render
from eval.runner import Report, run_eval
from index.errors import RunriError
from service.engine import Engine
from service.index_lifecycle import load_documents
from service.settings import Settings, get_settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="runri eval", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--questions", type=Path, metavar="FILE",
                   help="questions with answers and evidence (JSONL; default: eval/questions.jsonl)")
    p.add_argument("--quotes", type=Path, metavar="FILE",
                   help="quote-lookup cases (JSONL; default: eval/quotes.jsonl when --questions is not given)")
    p.add_argument("--baseline", type=Path, metavar="FILE",
                   help="compare with this file (default: baseline.json beside the gold files)")
    p.add_argument("--update-baseline", action="store_true", help="record this run as the baseline")
    p.add_argument("--report", type=Path, metavar="FILE",
                   help="where to write the full JSON report (default: reports/latest.json beside the gold files)")
    p.add_argument("--junit", type=Path, metavar="FILE",
                   help="also write JUnit XML: one test case per metric and per question and outcome")
    p.add_argument("--json", action="store_true",
                   help="print the full JSON report on stdout (the table goes to stderr)")
    return p


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = settings or get_settings()
        gold = _gold(settings, args.questions, args.quotes)
        print(f"runri eval: {len(gold.questions)} questions and {len(gold.quotes)} quote cases "
              f"({', '.join(gold.files.values())}) on {settings.seeds_dir}", file=sys.stderr, flush=True)
        report = run_eval(Engine.open(settings), gold, progress=True)
        baseline_file = args.baseline or baseline_path(gold.files)
        if args.update_baseline:
            write_baseline(report, baseline_file)
            print(f"baseline written to {baseline_file}", file=sys.stderr)
        baseline = read_baseline(baseline_file)
    except GoldError as exc:
        print(f"error: the gold set is not valid:\n{exc}", file=sys.stderr)
        return 2
    except (RunriError, ValidationError, ValueError) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    gate = compare(report, baseline)
    full = full_report(report, gate, baseline_file)
    report_file = args.report or Path(next(iter(gold.files.values()))).parent / "reports" / "latest.json"
    report_file.parent.mkdir(parents=True, exist_ok=True)
    report_file.write_text(json.dumps(full, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.junit:
        write_junit(args.junit, report, baseline, gate)
    table = render(report, baseline, gate) + f"\nreport: {report_file}" + (
        f"\njunit: {args.junit}" if args.junit else "")
    if args.json:
        print(table, file=sys.stderr)
        print(json.dumps(full, indent=1, ensure_ascii=False))
    else:
        print(table)
    return 0 if gate.passed else 1


def full_report(report: Report, gate: GateResult, baseline_file: Path) -> dict:
    """The report with the gate's verdict and the per-question diff first."""
    return {"gate": {"passed": gate.passed, "baseline": str(baseline_file), "failures": gate.failures,
                     "hit_to_miss": gate.hit_to_miss, "miss_to_hit": gate.miss_to_hit, "notes": gate.notes,
                     "caveats": gate.caveats},
            **report.model_dump()}


def _gold(settings: Settings, questions: Path | None, quotes: Path | None) -> GoldSet:
    """Validated against the corpus before the model loads, so a bad gold file fails in a second."""
    return load_gold(load_documents(settings).documents, questions, quotes)


if __name__ == "__main__":
    sys.exit(main())
