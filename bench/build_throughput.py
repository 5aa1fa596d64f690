"""Build throughput on real text: the SQuAD 1.1 dev articles (`../shared/bench-data/squad/v1.1/corpus.jsonl`,
read in place) written as a seeds folder, then `runri index build --force` timed as a subprocess.

`--code DIR` runs the CLI of another checkout (e.g. main before a change) on the same text and
machine, so before/after figures compare like with like. Runs, each in a fresh data folder unless said:
  cold        first build (empty embedding cache)
  warm        the same build again in the same data folder (`--force`): what a rebuild costs
  one_edited  one article's text changed, then built again: only what changed is re-embedded

    python -m bench.build_throughput                       # this checkout
    python -m bench.build_throughput --code /work/main --runs cold --out bench/results/build-before.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, write_result
from service.settings import REPO_ROOT

SQUAD = REPO_ROOT.parent / "shared" / "bench-data" / "squad" / "v1.1" / "corpus.jsonl"


def write_seeds(corpus: Path, folder: Path, limit: int | None = None) -> int:
    """One .txt per article (id = its SQuAD id), the first `limit` of them; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    lines = [line for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    for line in lines[:limit]:
        if line.strip():
            row = json.loads(line)
            data = row["text"].encode("utf-8")
            (folder / f"{row['id']}.txt").write_bytes(data)
            total += len(data)
    return total


def timed_build(code: Path, seeds: Path, data: Path, extra_env: dict[str, str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "RUNRI_SEEDS_DIR": str(seeds), "RUNRI_DATA_DIR": str(data),
           **extra_env}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "service.cli", "index", "build", "--force"], env=env, cwd=code,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"build failed ({done.returncode}): {done.stderr[-2000:]}")
    manifest = json.loads((data / "index" / "manifest.json").read_text())
    # CPU seconds as well as wall time: on a shared machine the wall clock depends on the neighbours.
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "build_seconds_in_manifest": manifest.get("build_seconds"),
            "counts": manifest["counts"], "last_line": done.stdout.strip().splitlines()[-2:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.build_throughput", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=REPO_ROOT, help="checkout whose CLI builds (default: this one)")
    parser.add_argument("--corpus", type=Path, default=SQUAD)
    parser.add_argument("--runs", default="cold,warm,one_edited")
    parser.add_argument("--articles", type=int, help="only the first N articles (default: all)")
    parser.add_argument("--env", action="append", default=[], help="extra KEY=VALUE for the build")
    parser.add_argument("--out", type=Path, default=RESULTS / "build-throughput.json")
    args = parser.parse_args(argv)
    extra = dict(item.split("=", 1) for item in args.env)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    with tempfile.TemporaryDirectory(prefix="runri-build-") as tmp:
        seeds, data = Path(tmp) / "seeds", Path(tmp) / "data"
        size = write_seeds(args.corpus, seeds, args.articles)
        result: dict = {"code": str(args.code), "corpus": str(args.corpus), "articles": len(list(seeds.glob("*.txt"))),
                        "text_bytes": size, "env": extra, "loadavg_at_start":
                        [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]], "runs": {}}
        for run in runs:
            if run == "one_edited":
                first = sorted(seeds.glob("*.txt"))[0]
                first.write_text(first.read_text(encoding="utf-8") + "\n\nAn added closing paragraph.\n",
                                 encoding="utf-8")
            entry = timed_build(args.code, seeds, data, extra)
            entry["kb_per_s"] = round(size / 1024 / entry["seconds"], 2)
            entry["kb_per_cpu_s"] = round(size / 1024 / entry["cpu_seconds"], 2)
            result["runs"][run] = entry
            print(f"{run:<11} {entry['seconds']:7.1f} s  {entry['cpu_seconds']:7.1f} cpu s  "
                  f"{entry['kb_per_s']:6.2f} KB/s  {entry['counts']}", flush=True)
        write_result("build-throughput", result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
