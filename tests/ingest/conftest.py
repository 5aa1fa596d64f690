"""A writable copy of the session index: ingestion tests never touch the shared engine's corpus."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.engine import Engine
from service.settings import Settings

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def scratch_settings(settings: Settings, engine: Engine, tmp_path) -> Settings:
    """`engine` first: it builds the session index this copies."""
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data, symlinks=True)
    return Settings(data_dir=data, seeds_dir=settings.seeds_dir, api_token=TOKEN)


@pytest.fixture
def writer(scratch_settings: Settings) -> TestClient:
    with TestClient(create_app(scratch_settings, Engine.open(scratch_settings))) as client:
        yield client
