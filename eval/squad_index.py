"""A SQuAD split served by the real service: its articles written as a corpus folder, indexed with the
service's own build, and opened as an Engine (rebuilt only when the articles or settings change)."""

from __future__ import annotations

from pathlib import Path

from eval.squad import SplitSet, write_seeds
from service.engine import Engine
from service.index_lifecycle import build, embedder_for
from service.settings import Settings


def split_settings(split: SplitSet, root: Path) -> Settings:
    return Settings(seeds_dir=root / split.name / "seeds", data_dir=root / split.name / "data")


def open_split_engine(split: SplitSet, root: Path) -> Engine:
    settings = split_settings(split, root)
    write_seeds(split.articles, settings.seeds_dir)
    index, _ = build(settings, progress=True)
    return Engine(settings, index, embedder_for(settings))
