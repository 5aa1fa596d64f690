"""Fixtures for the robustness tests.

Schemathesis checks the API's contract, not the model: its app runs on the three-article corpus with
the hashing embedder, over a private copy of that index, since requests with the token add and delete
documents. The corrupt-index and load tests use the real model (their own fixtures and modules)."""

from __future__ import annotations

import pytest

from service.api.app import create_app
from service.engine import Engine
from service.index_lifecycle import open_index
from service.settings import Settings


@pytest.fixture(scope="module")
def writable_settings(small_settings: Settings, small_engine: Engine, copy_index) -> Settings:
    """A private data dir (a copy of the small index, built by `small_engine`) that tests may write to."""
    return copy_index(small_settings)


@pytest.fixture(scope="module")
def writable_engine(writable_settings: Settings, hashing_embedder) -> Engine:
    return Engine(writable_settings, open_index(writable_settings), hashing_embedder)


@pytest.fixture(scope="module")
def writable_app(writable_settings: Settings, writable_engine: Engine):
    return create_app(writable_settings, writable_engine)
