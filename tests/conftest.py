"""Shared fixtures: one real index over the real seeds, built once per session in a temp dir, one real
model (loaded once per process), and the real app over HTTP."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.engine import Engine
from service.index_lifecycle import build, embedder_for
from service.settings import REPO_ROOT, Settings

SEEDS = REPO_ROOT / "seeds"
SHARED_SEEDS = REPO_ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), seeds_dir=SEEDS)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    index, _ = build(settings)
    return Engine(settings, index, embedder_for(settings))


@pytest.fixture(scope="session")
def client(settings: Settings, engine: Engine) -> TestClient:
    with TestClient(create_app(settings, engine)) as test_client:
        yield test_client


@pytest.fixture
def small_seeds(tmp_path: Path) -> Path:
    """A one-article copy of the corpus that tests may edit (builds in ~1 s)."""
    target = tmp_path / "seeds"
    target.mkdir()
    shutil.copy(SEEDS / "003_f119616ee21580a0.txt", target)
    return target
