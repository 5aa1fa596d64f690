"""Citations a journalist can publish: every excerpt in /ask, /search, /cite and the excerpt link
carries author, publication, title, date, URL and a shareable link on RUNRI_PUBLIC_URL (else the
request's host); date filters say what they do with undated articles."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.api.app import create_app
from service.engine import Engine
from service.settings import Settings

DOC_000, DOC_002 = "000_7df7bf7b1c44685e", "002_d4ea2832484711c0"
KOLL = "Economist Jasper Koll estimates that Japan loses 2,500 people every day through aging"


def _citations(body: dict) -> list[dict]:
    """Every excerpt object in a response, at any depth."""
    found = []
    if isinstance(body, dict):
        if {"doc_id", "start", "end", "text"} <= body.keys():
            found.append(body)
        for value in body.values():
            found += _citations(value)
    elif isinstance(body, list):
        for value in body:
            found += _citations(value)
    return found


def test_every_excerpt_carries_the_fields_of_a_citation(client):
    responses = [client.post("/ask", json={"question": "How many people does Japan lose every day?"}).json(),
                 client.get("/search", params={"q": "Run-ri in Tokyo"}).json(),
                 client.post("/cite", json={"text": KOLL}).json(),
                 client.get(f"/documents/{DOC_000}/excerpt", params={"start": 5339, "end": 5424}).json()]
    for body in responses:
        citations = _citations(body)
        assert citations
        for c in citations:
            assert {"author", "publication", "title", "date", "url", "link"} <= c.keys()
            assert c["link"] == f"http://testserver/read/{c['doc_id']}#{c['start']}-{c['end']}"
    koll = _citations(responses[2])[0]
    assert (koll["author"], koll["publication"], koll["title"], koll["date"]) == (
        "Philip Turner", "Asia Media Centre", "Chinese Run To Japan", "2025-07-02")
    ft = client.get(f"/documents/{DOC_002}/excerpt", params={"start": 0, "end": 20}).json()
    assert (ft["author"], ft["publication"], ft["title"], ft["date"]) == ("Leo Lewis", "Financial Times", None, None)


def test_public_url_is_the_base_of_every_shareable_link(settings, engine):
    public = settings.model_copy(update={"public_url": "https://quotes.example.org"})
    with TestClient(create_app(public, Engine(public, engine.index, engine.embedder))) as client:
        cite = client.post("/cite", json={"text": KOLL}).json()
        ask = client.post("/ask", json={"question": "How many people does Japan lose every day?"}).json()
    assert cite["link"].startswith("https://quotes.example.org/?quote=Economist+Jasper+Koll")
    links = [c["link"] for c in _citations(cite) + _citations(ask)]
    assert links and all(link.startswith("https://quotes.example.org/read/") for link in links)


@pytest.mark.parametrize("value", ["quotes.example.org", "ftp://quotes.example.org", "https://", "https://a.org/?x=1"])
def test_a_public_url_that_is_not_one_fails_at_start_up_naming_the_variable(value):
    with pytest.raises(ValidationError, match="RUNRI_PUBLIC_URL must be an http"):
        Settings(public_url=value)


def test_a_public_url_loses_its_trailing_slash():
    assert Settings(public_url="https://quotes.example.org/runri/").public_url == "https://quotes.example.org/runri"


def test_date_filters_leave_undated_articles_out_unless_asked(client):
    question = "Why do Chinese families move to Japan?"
    dated = {"date_from": "2025-06-01", "date_to": "2025-12-31"}
    strict = client.post("/ask", json={"question": question, "k": 10, "filters": dated}).json()
    assert {p["doc_id"] for p in strict["passages"]} == {DOC_000}
    lenient = client.post("/ask", json={"question": question, "k": 10,
                                        "filters": {**dated, "include_undated": True}}).json()
    docs = {p["doc_id"] for p in lenient["passages"]}
    assert DOC_000 in docs and DOC_002 in docs  # the FT article states no date
    assert "001_549853e61d50ae2c" not in docs  # dated 2025-05-08: outside the range either way
    search = client.get("/search", params={"q": question, "k": 10, "date_from": "2025-06-01",
                                           "include_undated": "true"}).json()
    assert DOC_002 in {p["doc_id"] for p in search["passages"]}


def test_the_api_documents_include_undated(client):
    schema = client.get("/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert "state no date" in params["include_undated"]["description"]
    assert "include_undated" in schema["components"]["schemas"]["Filters"]["properties"]
