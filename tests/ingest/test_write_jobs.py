"""Writes are jobs: a write that will take a while answers 202 at once with a job that reports queued /
running (with progress) / done / failed; one writer runs them in order, at a lower CPU priority; a
document is bounded by what one write can afford."""

from __future__ import annotations

import os
import threading
import time

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.engine import Engine
from service.index_lifecycle import open_index
from service.ingest import Ingestor
from service.models import NewDocument
from tests.ingest.conftest import AUTH

LONG = "".join(f"Quokkaville paragraph {i} tells of ferry number {i}. It carried {i} families.\n" for i in range(40))


class GatedEmbedder:
    """The hashing embedder, which stops at its second batch until the test opens the gate, and notes
    the thread it runs on: a write caught in the middle of its embedding."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.gate, self.calls, self.threads = threading.Event(), 0, set()

    def embed(self, texts):
        self.calls += 1
        self.threads.add(threading.get_native_id())
        if self.calls == 2:
            assert self.gate.wait(30), "the test never opened the gate"
        return self.inner.embed(texts)


@pytest.fixture
def gated(scratch_settings, scratch_engine, hashing_embedder):
    """An app whose writes never wait for their job (RUNRI_WRITE_WAIT_S=0: every write answers 202)."""
    settings = scratch_settings.model_copy(update={"write_wait_s": 0})
    embedder = GatedEmbedder(hashing_embedder)
    engine = Engine(settings, scratch_engine.index, embedder)
    with TestClient(create_app(settings, engine)) as client:
        yield client, embedder
        embedder.gate.set()


def _job(client, job_id):
    response = client.get(f"/jobs/{job_id}", headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def _until(client, job_id, status, seconds=30):
    deadline = time.monotonic() + seconds
    while (job := _job(client, job_id))["status"] != status:
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
    return job


def test_a_write_answers_202_and_its_job_reports_progress_until_done(gated):
    client, embedder = gated
    response = client.post("/documents", json={"id": "long-one", "title": "Ferries", "text": LONG}, headers=AUTH)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] in ("queued", "running") and accepted["kind"] == "add"
    assert response.headers["location"] == f"/jobs/{accepted['job_id']}" == accepted["location"]

    running = _until(client, accepted["job_id"], "running")
    while running["progress"]["done"] == 0:  # the first batch is in
        running = _job(client, accepted["job_id"])
    assert running["progress"]["stage"] == "embedding"
    assert 0 < running["progress"]["done"] < running["progress"]["total"]
    assert client.get("/documents/long-one").status_code == 404  # not visible before it is done

    embedder.gate.set()
    done = _until(client, accepted["job_id"], "done")
    assert done["result"]["id"] == "long-one" and done["result"]["created"] and done["progress"]["stage"] == "done"
    hits = client.get("/search", params={"q": "ferry number 17 families"}).json()["passages"]
    assert hits[0]["doc_id"] == "long-one"


def test_writes_queue_in_order_and_the_same_text_twice_is_one_job(gated):
    client, embedder = gated
    first = client.post("/documents", json={"id": "long-one", "text": LONG}, headers=AUTH).json()
    _until(client, first["job_id"], "running")
    second = client.post("/documents", json={"id": "short-one", "text": "Quokkaville opened a school."},
                         headers=AUTH)
    assert second.status_code == 202 and second.json()["status"] == "queued"
    again = client.post("/documents", json={"id": "long-two", "text": LONG}, headers=AUTH)  # same text, queued
    assert again.status_code == 202 and again.json()["job_id"] == first["job_id"]
    taken = client.post("/documents", json={"id": "short-one", "text": "Another text."}, headers=AUTH)
    assert taken.status_code == 409  # the id belongs to a queued write
    removal = client.delete("/documents/long-one", headers=AUTH)  # removes what the queued add will add
    assert removal.status_code == 202
    embedder.gate.set()
    assert _until(client, second.json()["job_id"], "done")["result"]["id"] == "short-one"
    assert _until(client, removal.json()["job_id"], "done")["result"]["id"] == "long-one"
    assert client.get("/documents/long-one").status_code == 404
    assert client.get("/documents/short-one").status_code == 200


def test_a_job_that_fails_reports_the_error_it_would_have_answered(gated, scratch_settings, hashing_embedder):
    client, embedder = gated
    job = client.post("/documents", json={"id": "contested", "text": LONG}, headers=AUTH).json()
    _until(client, job["job_id"], "running")
    # Meanwhile another process (the CLI) adds other text under the same id.
    cli_engine = Engine(scratch_settings, open_index(scratch_settings), hashing_embedder)
    cli = Ingestor(scratch_settings, current=lambda: cli_engine, publish=lambda e: None)
    cli.add(NewDocument(id="contested", text="A different article about Quokkaville's mayor."))
    embedder.gate.set()
    failed = _until(client, job["job_id"], "failed")
    assert failed["error"]["status"] == 409 and failed["error"]["error"] == "conflict"
    assert "'contested' is already used by another text" in failed["error"]["message"]
    assert failed["result"] is None


def test_the_writer_runs_at_a_lower_cpu_priority(gated):
    client, embedder = gated
    job = client.post("/documents", json={"id": "niced", "text": LONG}, headers=AUTH).json()
    _until(client, job["job_id"], "running")
    (writer,) = embedder.threads
    assert os.getpriority(os.PRIO_PROCESS, writer) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == os.getpriority(os.PRIO_PROCESS, 0)
    embedder.gate.set()
    _until(client, job["job_id"], "done")


def test_jobs_need_the_token_and_an_unknown_job_is_a_404(writer):
    assert writer.get("/jobs/0123", headers={}).status_code == 401
    missing = writer.get("/jobs/0123", headers=AUTH)
    assert missing.status_code == 404 and "jobs live in memory" in missing.json()["message"]


def test_a_small_write_still_answers_201_once_it_is_searchable(writer):
    response = writer.post("/documents", json={"id": "small", "text": "Quokkaville's mayor rode a ferry."},
                           headers=AUTH)
    assert response.status_code == 201 and response.json()["id"] == "small"
    assert writer.get("/search", params={"q": "mayor rode a ferry"}).json()["passages"][0]["doc_id"] == "small"


def test_a_document_over_the_sentence_cap_is_refused_at_once(scratch_settings, scratch_engine):
    capped = scratch_settings.model_copy(update={"max_document_sentences": 30})
    with TestClient(create_app(capped, scratch_engine)) as client:
        response = client.post("/documents", json={"text": LONG}, headers=AUTH)  # 80 sentences
        assert response.status_code == 422
        assert ("text: 80 sentences, over the limit of 30 per document (RUNRI_MAX_DOCUMENT_SENTENCES)"
                in response.json()["message"])


def test_a_full_write_queue_answers_503_with_retry_after_and_keeps_working(scratch_settings, scratch_engine,
                                                                          hashing_embedder):
    settings = scratch_settings.model_copy(update={"write_wait_s": 0, "write_queue": 2})
    embedder = GatedEmbedder(hashing_embedder)
    with TestClient(create_app(settings, Engine(settings, scratch_engine.index, embedder))) as client:
        running = client.post("/documents", json={"id": "long-one", "text": LONG}, headers=AUTH).json()
        _until(client, running["job_id"], "running")
        queued = client.post("/documents", json={"id": "two", "text": "Quokkaville got a bakery."}, headers=AUTH)
        assert queued.status_code == 202
        full = client.post("/documents", json={"id": "three", "text": "Quokkaville got a bank."}, headers=AUTH)
        assert full.status_code == 503 and full.json()["error"] == "busy"
        assert int(full.headers["retry-after"]) >= 1 and "RUNRI_WRITE_QUEUE" in full.json()["message"]
        assert client.get(f"/jobs/{queued.json()['job_id']}", headers=AUTH).json()["status"] == "queued"
        embedder.gate.set()
        _until(client, queued.json()["job_id"], "done")
        again = client.post("/documents", json={"id": "three", "text": "Quokkaville got a bank."}, headers=AUTH)
        assert again.status_code == 202
        assert _until(client, again.json()["job_id"], "done")["result"]["id"] == "three"
