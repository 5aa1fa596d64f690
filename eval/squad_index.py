"""A SQuAD split served by the real service: its articles written as a corpus folder, indexed with the
service's own build (rebuilt only when the articles or settings change)."""

from __future__ import annotations

from pathlib import Path

from eval.squad import SplitSet, write_seeds
from service.engine import Engine
from service.index_lifecycle import build, embedder_for
from service.retrieve import Retriever
from service.settings import Settings


def split_settings(split: SplitSet, root: Path) -> Settings:
    return Settings(seeds_dir=root / split.name / "seeds", data_dir=root / split.name / "data")


def open_split_retriever(split: SplitSet, root: Path) -> Retriever:
    """Retrieval alone, as the engine runs it: what training needs (it cannot load the model it trains)."""
    settings = split_settings(split, root)
    write_seeds(split.articles, settings.seeds_dir)
    index, _ = build(settings, progress=True)
    return Retriever(index, embedder_for(settings), settings.rrf_k, settings.query_cache_size, settings.embed_lanes,
                     dense_sentences=settings.dense_sentences)


def open_split_engine(split: SplitSet, root: Path) -> Engine:
    settings = split_settings(split, root)
    write_seeds(split.articles, settings.seeds_dir)
    index, _ = build(settings, progress=True)
    return Engine(settings, index, embedder_for(settings))
