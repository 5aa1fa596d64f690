"""The page's files are served with the right types, and nothing in them reaches outside (no browser)."""

from __future__ import annotations

import re

import pytest

from service.web import STATIC_DIR

EXTERNAL = re.compile(r"""(https?:)?//[a-z0-9.-]+\.[a-z]""", re.IGNORECASE)


@pytest.mark.parametrize(("path", "content_type"), [
    ("/", "text/html"),
    ("/read/002_d4ea2832484711c0", "text/html"),
    ("/static/app.js", "javascript"),
    ("/static/app.css", "text/css"),
])
def test_page_files_are_served_with_their_type(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]


def test_html_pages_are_responsive_and_same_origin_only(client):
    for path in ("/", "/read/000_7df7bf7b1c44685e"):
        response = client.get(path)
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in response.text
        assert "default-src 'self'" in response.headers["content-security-policy"]


def test_no_static_file_references_an_external_url():
    files = sorted(STATIC_DIR.iterdir())
    assert {f.name for f in files} >= {"index.html", "read.html", "app.js", "app.css"}
    for file in files:
        found = EXTERNAL.search(file.read_text(encoding="utf-8"))
        assert found is None, f"{file.name} references {found.group(0)!r}: the page must work offline"


@pytest.mark.parametrize("doc_id", ["no_such_doc", "<b onclick=alert(1)>x"])
def test_unknown_article_is_an_html_404_page(client, doc_id):
    response = client.get(f"/read/{doc_id}")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "No such article" in response.text and "<b onclick" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_the_json_api_and_its_docs_are_untouched(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/ask" in paths and "/" not in paths and "/read/{doc_id}" not in paths
