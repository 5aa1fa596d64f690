"""Every response carries nosniff, a frame ban and a referrer policy; HTML never goes out without its CSP;
secrets in query strings never reach the access log."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.security import PAGE_CSP, RedactQuerySecrets, redact_target

ALWAYS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/healthz", 200),
    ("GET", "/documents", 200),
    ("GET", "/documents/no-such-doc", 404),
    ("GET", "/no/such/route", 404),
    ("PUT", "/ask", 405),
    ("GET", "/search?q=", 422),
    ("GET", "/static/app.js", 200),
    ("GET", "/static/app.css", 200),
    ("GET", "/", 200),
    ("GET", "/openapi.json", 200),
])
def test_every_response_carries_the_security_headers(client, method, path, status):
    response = client.request(method, path)
    assert response.status_code == status
    for name, value in ALWAYS.items():
        assert response.headers[name] == value, name
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_an_oversized_body_refused_before_parsing_still_carries_them(client):
    response = client.post("/ask", content=b"x" * 70_000, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_unexpected_error_still_carries_them(settings, engine):
    app = create_app(settings, engine)

    def boom():
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500 and "request id" in response.json()["message"]
    for name, value in ALWAYS.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("path", ["/", "/read/002_d4ea2832484711c0", "/static/index.html", "/static/read.html"])
def test_html_is_never_served_without_the_page_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == PAGE_CSP


def test_the_api_docs_page_has_a_policy_of_its_own(client):
    response = client.get("/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self' 'unsafe-inline'" in policy
    assert "https:" not in policy  # its scripts are served by the app (service/api/docs.py), not a CDN


@pytest.mark.parametrize(("target", "logged"), [
    ("/search?q=visa&token=s3cret", "/search?q=visa&token=[redacted]"),
    ("/search?api_key=abc&k=3", "/search?api_key=[redacted]&k=3"),
    ("/search?Access_Token=abc", "/search?Access_Token=[redacted]"),
    ("/search?%74oken=abc", "/search?%74oken=[redacted]"),  # an encoded name is still a token
    ("/search?password=x&auth=y&sig=z", "/search?password=[redacted]&auth=[redacted]&sig=[redacted]"),
    ("/search?q=author&author=Kato", "/search?q=author&author=Kato"),  # "author" is not "auth"
    ("/search?q=token", "/search?q=token"),  # a value that merely says "token" stays
    ("/healthz", "/healthz"),
])
def test_query_values_named_like_a_secret_are_redacted(target, logged):
    assert redact_target(target) == logged


def test_the_access_log_filter_rewrites_uvicorn_records():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/search?q=a&token=s3cret", "1.1", 200), None)
    assert RedactQuerySecrets().filter(record)
    assert "s3cret" not in record.getMessage() and "token=[redacted]" in record.getMessage()
