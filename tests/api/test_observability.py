"""/metrics in Prometheus format, one JSON log line per request with its id, and /docs without a CDN."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.api.app import create_app


def _metrics(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def _log_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_each_request_is_counted_and_timed_by_route_and_status(small_client):
    key = ("runri_http_requests_total", (("method", "GET"), ("route", "/documents/{doc_id}"), ("status", "404")))
    before = _metrics(small_client).get(key, 0.0)
    assert small_client.get("/documents/nope").status_code == 404
    assert small_client.get("/documents/also-nope").status_code == 404
    after = _metrics(small_client)
    assert after[key] == before + 2  # one label for the route, not one per id
    assert after[("runri_http_request_duration_seconds_count",
                  (("method", "GET"), ("route", "/documents/{doc_id}")))] >= 2


def test_ask_and_cite_are_timed_stage_by_stage(small_client):
    stages = ("embed", "dense", "lexical", "fuse", "passages", "answer", "corroborate", "cite")
    before = _metrics(small_client)
    assert small_client.post("/ask", json={"question": "How many Chinese nationals lived in Japan at the end of "
                                                       "2024?"}).status_code == 200
    assert small_client.post("/cite", json={"text": "Japan is easy to enter"}).status_code == 200
    after = _metrics(small_client)
    for stage in stages:
        key = ("runri_stage_duration_seconds_count", (("stage", stage),))
        assert after[key] > before.get(key, 0.0), stage


def test_the_index_size_and_the_model_are_reported(small_client):
    metrics = _metrics(small_client)
    assert metrics[("runri_ready", ())] == 1
    assert {kind: metrics[("runri_index_items", (("kind", kind),))] for kind in ("documents", "chunks", "sentences")} \
        == {"documents": 3, "chunks": 11, "sentences": 19}
    assert metrics[("runri_index_bytes", ())] > 0
    [model] = [labels for name, labels in metrics if name == "runri_model_info"]
    assert dict(model) == {"name": "hashing-embedder", "runtime": "unknown", "precision": "unknown",
                           "dimension": "4096"}


def test_unknown_paths_share_one_label(small_client):
    for path in ("/a", "/b/c", "/static/nothing.js"):
        small_client.get(path)
    routes = {dict(labels).get("route") for name, labels in _metrics(small_client) if name == "runri_http_requests_total"}
    assert "unmatched" in routes and "/static" in routes and not {"/a", "/b/c"} & routes


def test_one_json_log_line_per_request_with_its_id(small_client, capsys):
    capsys.readouterr()
    response = small_client.get("/search", params={"q": "Japan"}, headers={"X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    [line] = _log_lines(capsys.readouterr().err)
    assert line == {"request_id": "trace-42", "method": "GET", "path": "/search", "route": "/search",
                    "status": 200, "ms": line["ms"]} and line["ms"] > 0


@pytest.mark.parametrize("given", [None, "", "x" * 65, "bad id", "../etc"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(small_client, capsys, given):
    headers = {} if given is None else {"X-Request-ID": given}
    response = small_client.get("/healthz", headers=headers)
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert [line["request_id"] for line in _log_lines(capsys.readouterr().err)] == [request_id]


def test_a_500_names_the_request_id_of_its_log_line(small_settings, small_engine, capsys):
    app = create_app(small_settings, small_engine)

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        capsys.readouterr()
        response = client.get("/boom")
    body = response.json()
    assert response.status_code == 500 and "a bug" not in response.text
    assert body["error"] == "internal_error" and body["request_id"] in body["message"]
    [line] = _log_lines(capsys.readouterr().err)
    assert (line["request_id"], line["status"], line["route"]) == (body["request_id"], 500, "/boom")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_nothing_from_outside(small_client, page):
    response = small_client.get(page)
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets and all(url.startswith("/") for url in assets), assets
    assert not re.search(r"https?://", response.text.replace("http://www.w3.org", ""))
    for url in assets:
        assert small_client.get(url).status_code == 200, url
