"""Helpers shared by the browser fixtures and tests (a plain module: conftest is not importable)."""

from __future__ import annotations

import re
from pathlib import Path

from service.settings import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts" / "web"
DESKTOP = (1280, 900)
PHONE = (390, 844)


def set_viewport(driver, size: tuple[int, int]) -> None:
    """Emulated like a phone (mobile viewport, touch-size CSS pixels), not just a narrow window."""
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)[:90]}.png"
    driver.save_screenshot(str(path))
    return path
