"""Helpers shared by the robustness tests (imported by bare name, like tests/web/webtools.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from service.settings import REPO_ROOT, Settings

API_TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
EVAL_DIR = REPO_ROOT / "eval"
REBUILD = "runri index build --force"


def settings_over_copy(settings: Settings, target: Path, **overrides) -> Settings:
    """Settings over a copy of `settings.data_dir` (its `index` symlink and the build it points at).

    `api_token` is passed only when Settings has that field (the write endpoints are recent)."""
    shutil.copytree(settings.data_dir, target, symlinks=True)
    fields = {"data_dir": target, "seeds_dir": settings.seeds_dir, **overrides}
    if "api_token" in Settings.model_fields:
        fields.setdefault("api_token", API_TOKEN)
    else:
        fields.pop("api_token", None)
    return Settings(**fields)


def read_jsonl(name: str) -> list[dict]:
    with (EVAL_DIR / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
