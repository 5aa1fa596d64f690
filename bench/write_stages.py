"""Where one write's time goes over a large index, stage by stage, in this process: the article
chunked and embedded, the next index (vector copies, BM25 rebuilt), and the next engine's sentence
vocabulary, built afresh against carried forward (`SentenceVocabulary.next`), checked equal. Also the
start's name counts, counted against read back from the file a start or a write leaves
(service/name_counts_file.py).

Reads an index kept by `python -m bench.served_memory --chunks N --keep DIR` and never writes to it
(the next index stays in memory):

    python -m bench.write_stages --keep /tmp/sm100k     # DIR/seeds and DIR/data

Writes bench/results/write-stages.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import REPO_ROOT, write_result

ARTICLE = REPO_ROOT / "seeds" / "000_7df7bf7b1c44685e.txt"


def run(keep: Path) -> dict:
    from index.corpus import Document, sha256_text
    from index.update import add_segment, prepare_segment
    from service import name_counts_file
    from service.index_lifecycle import embedder_for, multilingual_embedder_for, open_index, update_params
    from service.settings import Settings
    from service.vocabulary import SentenceVocabulary

    settings = Settings(seeds_dir=keep / "seeds", data_dir=keep / "data")
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def step(label: str) -> None:
        nonlocal clock
        seconds[label] = round(time.perf_counter() - clock, 3)
        print(f"  {label:<34} {seconds[label]:8.3f} s", flush=True)
        clock = time.perf_counter()

    index = open_index(settings)
    step("open the index")
    vocabulary = SentenceVocabulary(index)
    embedder, multilingual = embedder_for(settings), multilingual_embedder_for(settings)
    step("sentence vocabulary, models")
    text = ARTICLE.read_text(encoding="utf-8")
    segment = prepare_segment(Document("written-article", text, sha256_text(text)), embedder,
                              update_params(settings), multilingual_embedder=multilingual)
    step("article chunked and embedded")
    written = add_segment(index, segment)
    step("next index (vectors, BM25)")
    fresh = SentenceVocabulary(written)
    step("sentence vocabulary afresh")
    carried = vocabulary.next(written, frozenset({"written-article"}))
    step("sentence vocabulary carried")
    with tempfile.TemporaryDirectory() as folder:
        counted = name_counts_file.counts_for(Path(folder), index.documents)
        step("start: name counts counted, saved")
        if name_counts_file.counts_for(Path(folder), index.documents) != counted:
            raise AssertionError("the name counts read back differ")
        step("start: name counts read back")
    sample = range(0, fresh.size, max(1, fresh.size // 10_000))  # every row would take minutes at 1M
    if carried.df != fresh.df or carried.size != fresh.size or any(carried.tokens[i] != fresh.tokens[i]
                                                                   for i in sample):
        raise AssertionError("the carried vocabulary differs from the fresh one")
    return {"chunks": len(index.chunks), "sentences": len(index.sentences), "articles": len(index.documents),
            "article_chars": len(text), "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.write_stages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, required=True, help="a folder kept by bench.served_memory --keep")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    print(f"wrote {write_result('write-stages', run(args.keep), args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
