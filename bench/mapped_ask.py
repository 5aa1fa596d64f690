"""`/ask` in one process over a built corpus, with its vector files memory-mapped or read: what mapping
costs a question (the first one to probe a list pages it in).

    python -m bench.mapped_ask DIR   # DIR holds seeds/ and data/, as bench.served_memory --keep DIR leaves them

Prints the p50 of the gold questions' first round (query embeddings not cached yet, lists not paged
in) and of a second round, for RUNRI_MAP_VECTORS on and off, each in a fresh process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def one(root: Path, mapped: bool) -> str:
    from bench.common import questions
    from service.engine import Engine
    from service.settings import Settings

    engine = Engine.open(Settings(seeds_dir=root / "seeds", data_dir=root / "data", map_vectors=mapped))
    rounds = []
    for _ in range(2):
        took = []
        for question in questions():
            started = time.perf_counter()
            engine.ask(question)
            took.append(time.perf_counter() - started)
        rounds.append(float(np.median(took)) * 1000)
    return f"{'mapped' if mapped else 'read  '}: /ask p50 first round {rounds[0]:.2f} ms, second {rounds[1]:.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mapped_ask", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--only", choices=["mapped", "read"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only:
        print(one(args.root, args.only == "mapped"), flush=True)
        return 0
    for only in ("mapped", "read"):
        subprocess.run([sys.executable, "-m", "bench.mapped_ask", str(args.root), "--only", only], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
