"""Helpers shared by the fixtures and the tests (a plain module: conftest.py is not imported by tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

from service.settings import Settings

TOKEN = "test-token"  # the one bearer token of the suite
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def settings_over_copy(settings: Settings, target: Path, **overrides) -> Settings:
    """The same settings over a copy of `settings.data_dir` (its `index` link and the build it points
    at), with the suite's token: tests may write to it, or break it, without touching the original."""
    shutil.copytree(settings.data_dir, target, symlinks=True)
    # A small write answers 201 however slow the machine is; tests of 202 set write_wait_s themselves.
    return Settings(**{**settings.model_dump(), "data_dir": target, "api_token": TOKEN, "write_wait_s": 60,
                       **overrides})
