"""Fixtures for the robustness tests.

Anything that may add or delete documents (schemathesis with a token) runs on its own engine over a
copy of the session index, so the shared `engine` always serves exactly the five seed articles.
"""

from __future__ import annotations

import pytest
from robustness_support import settings_over_copy

from service.api.app import create_app
from service.engine import Engine
from service.settings import Settings


@pytest.fixture(scope="module")
def writable_settings(settings: Settings, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A private data dir (a copy of the session's built index) that tests may write to.

    Depends on `engine` so that the session index exists before it is copied."""
    return settings_over_copy(settings, tmp_path_factory.mktemp("writable") / "data")


@pytest.fixture(scope="module")
def writable_engine(writable_settings: Settings) -> Engine:
    return Engine.open(writable_settings)  # the model is cached per process: this only reads the index


@pytest.fixture(scope="module")
def writable_app(writable_settings: Settings, writable_engine: Engine):
    return create_app(writable_settings, writable_engine)
