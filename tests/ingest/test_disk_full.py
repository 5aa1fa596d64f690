"""A full disk is a clear, recoverable error: 507 naming RUNRI_DATA_DIR and the space needed, nothing
left behind, the index unchanged, and the next write succeeds by itself once there is space.

The disk is a real small tmpfs, mounted in a private mount namespace (`unshare`) that the test creates
and that vanishes with it; the server runs inside it. Where namespaces are not allowed the test skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from service.settings import REPO_ROOT
from tests.ingest.conftest import TOKEN

UNSHARE = ["unshare", "--user", "--map-root-user", "--mount"]

SCENARIO = r"""
import json, os, shutil, subprocess, sys, time
from pathlib import Path
from fastapi.testclient import TestClient
from service.api.app import create_app
from service.engine import Engine
from service.index_lifecycle import open_index
from service.settings import Settings
from tests.hashing_embedder import HashingEmbedder

source, mount, seeds, token = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
same_index = json.loads(sys.argv[5])  # the model and chunking the copied index was built with
index_bytes = sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
size = 2 * index_bytes + 4_000_000
subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
data = mount / "data"
shutil.copytree(source, data, symlinks=True)
filler = mount / "filler"
with filler.open("wb") as out:  # leave 16 KB (four pages): less than even a one-segment save needs
    out.write(b"\0" * (shutil.disk_usage(mount).free - 16_000))
settings = Settings(data_dir=data, seeds_dir=seeds, api_token=token, **same_index)
auth = {"Authorization": f"Bearer {token}"}
article = {"title": "Disk full", "text": "Quokkaville's archive filled every shelf. The librarians kept 812 boxes."}
out = {}
with TestClient(create_app(settings, Engine(settings, open_index(settings), HashingEmbedder()))) as client:
    full = client.post("/documents", json=article, headers=auth)
    out["full"] = [full.status_code, full.json()]
    out["left"] = sorted(p.name for p in data.iterdir())
    out["documents_after_full"] = len(client.get("/documents").json())
    out["search_after_full"] = client.get("/search", params={"q": "visa"}).status_code
    filler.unlink()  # space comes back; nobody touches the server
    again = client.post("/documents", json=article, headers=auth)
    body = again.json()
    if again.status_code == 202:  # accepted as a job: wait for it
        for _ in range(600):
            body = client.get(f"/jobs/{body['job_id']}").json()
            if body["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
    out["again"] = [again.status_code, body]
    hits = client.get("/search", params={"q": "Quokkaville archive librarians boxes"}).json()["passages"]
    out["found"] = hits[0]["doc_id"] if hits else None
    out["left_after"] = sorted(p.name for p in data.iterdir() if p.name.startswith(".index-"))
print("RESULT " + json.dumps(out))
"""


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run([*UNSHARE, "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _namespaces_work(), reason="unshare cannot create a user + mount namespace here")
def test_a_full_disk_is_a_507_and_the_next_write_succeeds_once_space_exists(scratch_settings, tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    same_index = {"model_path": str(scratch_settings.model_path), "chunk_size": scratch_settings.chunk_size,
                  "chunk_overlap": scratch_settings.chunk_overlap}
    run = subprocess.run([*UNSHARE, sys.executable, "-c", SCENARIO, str(scratch_settings.data_dir), str(mount),
                          str(scratch_settings.seeds_dir), TOKEN, json.dumps(same_index)], capture_output=True,
                         text=True, timeout=600, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert run.returncode == 0 and lines, run.stdout[-2000:] + run.stderr[-4000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))

    status, body = result["full"]
    assert status == 507 and body["error"] == "insufficient_storage"
    assert body["message"].startswith("no space left in RUNRI_DATA_DIR (") and "MB free" in body["message"]
    assert [name for name in result["left"] if name.startswith(".index-")] == []  # the failed build is gone
    assert result["documents_after_full"] == 3 and result["search_after_full"] == 200  # the three articles

    status, body = result["again"]
    assert status in (201, 202), body
    assert status == 201 or body["status"] == "done", body
    assert result["found"] is not None and result["found"].startswith("disk-full_")
    assert result["left_after"] == []


def test_stale_builds_are_removed_at_start_up(scratch_settings, scratch_engine):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    data = scratch_settings.data_dir
    current = os.readlink(data / "index")
    (data / ".index-0123456789ab.tmp").mkdir()
    (data / ".index-0123456789ab.tmp" / "chunks.faiss").write_bytes(b"\0" * 10_000)
    (data / "index-ba9876543210").mkdir()  # a build a crash left beside the current one
    os.symlink(current, data / ".index.deadbeef.link")
    with TestClient(create_app(scratch_settings, scratch_engine)) as client:  # clean-up runs at start-up anyway
        assert client.get("/healthz").status_code == 200
    left = sorted(p.name for p in data.iterdir())
    assert ".index-0123456789ab.tmp" not in left and "index-ba9876543210" not in left
    assert ".index.deadbeef.link" not in left
    assert current in left and os.readlink(data / "index") == current
