"""Waiting for an app whose index loads in the background (shared by the lifespan and corrupt-index tests)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient


def wait_until_loaded(client: TestClient, seconds: float = 60):
    """/readyz once loading is over, whether it succeeded (200) or failed (503 with the reason)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get("/readyz")
        if response.status_code == 200 or "loading" not in response.json().get("message", "loading"):
            return response
        time.sleep(0.05)
    raise AssertionError(f"still loading after {seconds} s")
