"""Helpers shared by the robustness tests (imported by bare name, like tests/web/webtools.py)."""

from __future__ import annotations

import json

from service.settings import REPO_ROOT
from tests.support import AUTH, TOKEN as API_TOKEN, settings_over_copy  # noqa: F401 (one token, one copy)

EVAL_DIR = REPO_ROOT / "eval"
REBUILD = "runri index build --force"


def read_jsonl(name: str) -> list[dict]:
    with (EVAL_DIR / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
