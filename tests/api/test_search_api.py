"""GET /search, /documents, /healthz, /readyz through the real app over HTTP."""

import pytest

# A phrase only its own article contains, paraphrased by a reader.
DISTINCTIVE = {
    "000_7df7bf7b1c44685e": "Jasper Koll estimate of people lost to ageing every day",
    "001_549853e61d50ae2c": "Argus Prep School classroom for Chinese students",
    "002_d4ea2832484711c0": "underground banks carrying cash in a North Face rucksack",
    "003_f119616ee21580a0": "Asian Talk event interview, podcast Asia Frontline",
    "004_09056013900b17ac": "Employment for Skill Development Program replacing technical intern training",
}


@pytest.mark.parametrize("doc_id,query", DISTINCTIVE.items())
def test_distinctive_phrase_finds_its_article_first(client, doc_id, query):
    response = client.get("/search", params={"q": query, "k": 5})
    assert response.status_code == 200
    passages = response.json()["passages"]
    assert passages[0]["doc_id"] == doc_id


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_every_passage_text_is_the_document_text_at_its_offsets(client, mode):
    texts = {}
    for query in [*DISTINCTIVE.values(), "Why do Chinese families move to Japan?"]:
        body = client.get("/search", params={"q": query, "k": 10, "mode": mode}).json()
        assert body["mode"] == mode
        for p in body["passages"]:
            if p["doc_id"] not in texts:
                texts[p["doc_id"]] = client.get(f"/documents/{p['doc_id']}").json()["text"]
            assert texts[p["doc_id"]][p["start"]:p["end"]] == p["text"]
            assert p["retrievers"] and set(p["retrievers"]) <= {"dense", "lexical"}


def test_overlapping_chunks_are_merged_into_one_passage(client):
    passages = client.get("/search", params={"q": "Chinese in Tokyo", "k": 10}).json()["passages"]
    for i, a in enumerate(passages):
        for b in passages[i + 1:]:
            if a["doc_id"] == b["doc_id"]:
                assert a["end"] < b["start"] or b["end"] < a["start"], "two passages overlap"


def test_documents_lists_every_article_with_metadata(client):
    docs = {d["id"]: d for d in client.get("/documents").json()}
    assert len(docs) == 5
    assert docs["000_7df7bf7b1c44685e"]["title"] == "Chinese Run To Japan"
    assert docs["002_d4ea2832484711c0"]["length"] == 27667


def test_unknown_document_is_404_json(client):
    response = client.get("/documents/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert "nope" in response.json()["message"]


@pytest.mark.parametrize("params,fragment", [
    ({"q": ""}, "q: String should have at least 1 character"),
    ({"q": "   "}, "q: must contain at least 1 non-whitespace character"),
    ({}, "q: Field required"),
    ({"q": "visa", "k": 0}, "k: Input should be greater than or equal to 1"),
    ({"q": "visa", "k": 1000}, "k: Input should be less than or equal to 50"),
    ({"q": "visa", "mode": "semantic"}, "mode: Input should be 'dense', 'lexical', 'multilingual' or 'hybrid'"),
])
def test_bad_search_input_is_422_naming_the_field(client, params, fragment):
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert fragment in response.json()["message"]


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 5 and ready["chunks"] > 0


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/search" in client.get("/openapi.json").json()["paths"]
