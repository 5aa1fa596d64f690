"""What a filtered search pays to find the rows its scope admits (the FAISS backend's `allowed_rows`),
over a built corpus: a scope of three articles and one of every other article.

    python -m bench.filtered_rows DIR   # DIR holds seeds/ and data/, as bench.served_memory --keep DIR leaves them
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from index.backend import Scope
from service.index_lifecycle import open_index
from service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.filtered_rows", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    index = open_index(Settings(seeds_dir=args.root / "seeds", data_dir=args.root / "data"))
    docs = sorted(index.documents)
    for name, scope in (("three articles", Scope(doc_ids=frozenset(docs[:3]))),
                        ("every other article", Scope(doc_ids=frozenset(docs[::2])))):
        started = time.perf_counter()
        for _ in range(args.repeat):
            rows = index.backend.allowed_rows(scope)
        print(f"{name}: {len(rows):,} rows in {(time.perf_counter() - started) / args.repeat * 1000:.2f} ms", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
