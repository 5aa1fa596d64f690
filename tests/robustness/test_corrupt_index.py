"""A corrupt index on disk: the app starts, stays alive, and /readyz says 503 with what is broken and
the command that fixes it; `runri index build --force` then recovers and a new app serves again.

End to end: the app loads its index in its lifespan, as `runri serve` does (tests/index/test_store.py
covers the same corruptions at the store level). Each case works on its own copy of the three-article
index built with the real model.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from robustness_support import REBUILD

from service import cli
from service.api.app import create_app
from service.settings import Settings
from tests.readiness import wait_until_loaded

DOCUMENTS = 3  # the three-article corpus, built with the real model: the app and the CLI load it themselves


def _truncate(path):
    path.write_bytes(path.read_bytes()[:100])


def _zero(path):
    path.write_bytes(b"\0" * path.stat().st_size)  # the manifest's size check passes; FAISS must refuse it


def _garbage(path):
    path.write_text('{"fingerprint": not json at all', encoding="utf-8")


CORRUPTIONS = {
    # name: (file under index/, how it is damaged, what the message must name)
    "truncated chunks.faiss": ("chunks.faiss", _truncate, "chunks.faiss is 100 bytes"),
    "zeroed chunks.faiss": ("chunks.faiss", _zero, "corrupt"),
    "garbage manifest.json": ("manifest.json", _garbage, "manifest"),
}


def _corrupt_copy(corruption: str, settings: Settings, copy_index) -> Settings:
    name, damage, _ = CORRUPTIONS[corruption]
    copy = copy_index(settings)
    damage(copy.data_dir / "index" / name)
    return copy


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_corrupt_index_keeps_the_app_alive_with_a_503_that_says_how_to_fix_it(corruption, small_real_settings,
                                                                              copy_index):
    broken = _corrupt_copy(corruption, small_real_settings, copy_index)
    with TestClient(create_app(broken)) as client:
        assert client.get("/healthz").status_code == 200  # alive, whatever the index
        ready = wait_until_loaded(client)
        assert ready.status_code == 503
        assert ready.headers["content-type"].startswith("application/json")
        body = ready.json()
        assert body["error"] == "not_ready"
        assert CORRUPTIONS[corruption][2] in body["message"] and REBUILD in body["message"], body["message"]
        # Every endpoint that needs the index says the same, instead of a 500.
        for response in (client.get("/search", params={"q": "visa"}),
                         client.post("/ask", json={"question": "How many Chinese live in Japan?"}),
                         client.get("/documents")):
            assert response.status_code == 503, response.text
            assert response.json()["error"] == "not_ready" and REBUILD in response.json()["message"]


@pytest.mark.parametrize("corruption", ["truncated chunks.faiss", "garbage manifest.json"])
def test_runri_index_build_force_recovers_and_a_new_app_serves(corruption, small_real_settings, copy_index,
                                                               cli_env, capsys):
    broken = _corrupt_copy(corruption, small_real_settings, copy_index)
    # The fix the message gives, run as the operator would: `runri index build --force`.
    cli_env(broken)
    assert cli.main(["index", "build", "--force"]) == 0
    out = capsys.readouterr().out
    assert f"built {DOCUMENTS} documents" in out, out
    json.loads((broken.data_dir / "index" / "manifest.json").read_text(encoding="utf-8"))  # readable again

    with TestClient(create_app(broken)) as client:
        ready = wait_until_loaded(client)
        assert ready.status_code == 200, ready.text
        assert ready.json()["documents"] == DOCUMENTS
        search = client.get("/search", params={"q": "minpaku in Osaka", "k": 3})
        assert search.status_code == 200 and len(search.json()["passages"]) == 3
        answer = client.post("/ask", json={"question": "How many Chinese nationals lived in Japan at the end "
                                                       "of 2024?"}).json()["answer"]
        assert answer is not None and "870,000" in answer["text"]
