"""A writable copy of the three-article index with the hashing embedder: ingestion is about locks,
persistence and visibility, not the model (tests/service/test_cli.py adds through the real model)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.engine import Engine
from service.index_lifecycle import open_index
from service.settings import Settings
from tests.support import AUTH, TOKEN  # noqa: F401 (imported from here by the ingestion tests)


@pytest.fixture
def scratch_settings(small_settings: Settings, small_engine: Engine, copy_index) -> Settings:
    """`small_engine` first: it builds the index this copies."""
    return copy_index(small_settings)


@pytest.fixture
def scratch_engine(scratch_settings: Settings, hashing_embedder) -> Engine:
    return Engine(scratch_settings, open_index(scratch_settings), hashing_embedder)


@pytest.fixture
def writer(scratch_settings: Settings, scratch_engine: Engine) -> TestClient:
    with TestClient(create_app(scratch_settings, scratch_engine)) as client:
        yield client
