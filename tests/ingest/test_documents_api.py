"""POST /documents and DELETE /documents/{id} over HTTP: auth, validation, live visibility, persistence."""

from __future__ import annotations

import pytest

from service.engine import Engine
from service.index_lifecycle import build, open_index
from tests.support import AUTH

SEEDS = 3  # the three-article corpus

ARTICLE = ("Hakodate ferry operators report a surge of Zhejiang tourists.\n\n"
           "The Quokkaville Chamber of Commerce counted 4,321 new residents from Shanghai in 2025. "
           "Local officials said the newcomers opened bakeries and language schools.\n")
NEW = {"title": "Newcomers in Quokkaville", "publication": "Test Gazette", "date": "2025-09-01", "text": ARTICLE}


def _add(client, body=NEW, headers=AUTH):
    return client.post("/documents", json=body, headers=headers)


def test_writes_are_disabled_without_a_configured_token(small_client):
    for response in (small_client.post("/documents", json=NEW), small_client.delete("/documents/anything")):
        assert response.status_code == 403
        assert "RUNRI_API_TOKEN" in response.json()["message"]
    assert small_client.get("/documents").status_code == 200  # reads stay open


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
def test_a_missing_or_wrong_token_is_a_401(writer, headers):
    response = _add(writer, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert len(writer.get("/documents").json()) == SEEDS


def test_an_added_article_is_searchable_citable_and_answerable_at_once(writer):
    response = _add(writer)
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["created"] and added["chunks"] >= 1 and added["id"].startswith("newcomers-in-quokkaville_")
    doc_id = added["id"]
    assert writer.get(f"/documents/{doc_id}").json()["text"] == ARTICLE  # stored byte for byte
    hits = writer.get("/search", params={"q": "Quokkaville bakeries"}).json()["passages"]
    assert hits[0]["doc_id"] == doc_id
    cite = writer.post("/cite", json={"text": "counted 4,321 new residents from Shanghai"}).json()
    match = cite["whole"]["matches"][0]
    assert cite["verdict"] == "exact" and match["doc_id"] == doc_id
    assert ARTICLE[match["start"]:match["end"]] == "counted 4,321 new residents from Shanghai"
    answer = writer.post("/ask", json={"question": "How many new residents from Shanghai did Quokkaville count?"}
                         ).json()["answer"]
    assert answer["doc_id"] == doc_id and "4,321" in answer["text"]


def test_identical_text_is_reported_not_duplicated(writer):
    first = _add(writer).json()
    again = _add(writer, {**NEW, "id": "another-id", "title": "Same text"})
    assert again.status_code == 200
    assert again.json()["created"] is False and first["id"] in again.json()["message"]
    assert len(writer.get("/documents").json()) == SEEDS + 1


def test_an_id_taken_by_another_text_is_a_409(writer):
    assert _add(writer, {**NEW, "id": "quokka"}).status_code == 201
    response = _add(writer, {**NEW, "id": "quokka", "text": ARTICLE + "A correction."})
    assert response.status_code == 409 and "quokka" in response.json()["message"]


def test_delete_removes_it_from_both_indexes(writer):
    doc_id = _add(writer).json()["id"]
    response = writer.delete(f"/documents/{doc_id}", headers=AUTH)
    assert response.status_code == 200 and response.json()["removed_chunks"] >= 1
    assert writer.get(f"/documents/{doc_id}").status_code == 404
    for mode in ("lexical", "dense"):
        passages = writer.get("/search", params={"q": "Quokkaville bakeries", "mode": mode}).json()["passages"]
        assert all(p["doc_id"] != doc_id for p in passages)
    assert writer.post("/cite", json={"text": "counted 4,321 new residents from Shanghai"}).json()["verdict"] \
        == "not_found"


def test_seed_articles_cannot_be_deleted_and_unknown_ids_are_404(writer):
    seed = writer.delete("/documents/visa-reform", headers=AUTH)
    assert seed.status_code == 409 and "seed article" in seed.json()["message"]
    assert writer.delete("/documents/no-such-doc", headers=AUTH).status_code == 404
    assert writer.delete("/documents/..%2Fetc", headers=AUTH).status_code in (404, 422)


def test_a_markdown_upload_with_form_metadata(writer):
    files = {"file": ("notes.md", "# Field notes\n\nQuokkaville hosts a *dumpling* festival.\n".encode(), "text/markdown")}
    response = writer.post("/documents", files=files, data={"title": "Field notes", "date": "2025-10-02"},
                           headers=AUTH)
    assert response.status_code == 201, response.text
    doc = writer.get(f"/documents/{response.json()['id']}").json()
    assert doc["title"] == "Field notes" and doc["date"] == "2025-10-02" and doc["text"].startswith("# Field notes")


@pytest.mark.parametrize("name,content,status,fragment", [
    ("latin1.txt", "Caf\xe9 au lait".encode("latin-1"), 422, "is not valid UTF-8 (byte 3)"),
    ("photo.jpg", b"\xff\xd8\xff", 415, "'photo.jpg' is not a .txt or .md file"),
    ("report.pdf", b"%PDF-1.7", 415, "'report.pdf' is not a .txt or .md file"),
    ("empty.txt", b"   \n", 422, "must contain at least 1 non-whitespace character"),
    ("dots.md", b"...", 422, "must contain at least one word"),
])
def test_bad_uploads_are_refused_saying_what_to_fix(writer, name, content, status, fragment):
    response = writer.post("/documents", files={"file": (name, content, "text/plain")}, headers=AUTH)
    assert response.status_code == status and fragment in response.json()["message"]


@pytest.mark.parametrize("body,fragment", [
    ({**NEW, "text": ""}, "text: String should have at least 1 character"),
    ({**NEW, "text": " \n\t "}, "must contain at least 1 non-whitespace character"),
    ({**NEW, "id": "../../etc/passwd"}, "id: String should match pattern"),
    ({**NEW, "date": "last year"}, "date: Value error, must be a date as YYYY-MM-DD, got 'last year'"),
    ({**NEW, "date": "2025-02-30"}, "date: Input should be a valid date"),
    ({**NEW, "date": 0}, "date: Value error, must be a date as a YYYY-MM-DD string, not a number"),
    ({"title": "no text"}, "text: Field required"),
])
def test_bad_documents_are_422_naming_the_field(writer, body, fragment):
    response = _add(writer, body)
    assert response.status_code == 422 and fragment in response.json()["message"]


def test_size_limits_are_413_and_other_formats_415(writer):
    big = _add(writer, {**NEW, "text": "word " * 500_000})  # 2.5 MB
    assert big.status_code == 413 and "2,000,000 bytes" in big.json()["message"]
    long_body = writer.post("/ask", content=b'{"question": "' + b"a" * 70_000 + b'"}',
                            headers={"content-type": "application/json"})
    assert long_body.status_code == 413
    plain = writer.post("/documents", content=ARTICLE.encode(), headers={**AUTH, "content-type": "text/plain"})
    assert plain.status_code == 415 and "multipart/form-data" in plain.json()["message"]
    assert len(writer.get("/documents").json()) == SEEDS


def test_added_articles_survive_a_restart_and_a_full_rebuild(writer, scratch_settings, hashing_embedder):
    doc_id = _add(writer).json()["id"]
    restarted = open_index(scratch_settings)  # what a restart loads
    assert doc_id in restarted.documents and doc_id in restarted.added_ids
    rebuilt, was_built = build(scratch_settings, force=True, embedder=hashing_embedder)
    assert was_built and rebuilt.documents[doc_id].text == ARTICLE
    engine = Engine(scratch_settings, open_index(scratch_settings), hashing_embedder)
    assert engine.search("Quokkaville bakeries").passages[0].doc_id == doc_id


@pytest.mark.parametrize("token", ["", "  "])
def test_a_blank_token_keeps_writes_off_even_for_an_empty_bearer(scratch_settings, scratch_engine, token):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    blank = scratch_settings.model_copy(update={"api_token": token})
    with TestClient(create_app(blank, scratch_engine)) as client:
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {token}"}):
            response = client.post("/documents", json=NEW, headers=headers)
            assert response.status_code == 403, response.text
            assert "RUNRI_API_TOKEN is unset or blank" in response.json()["message"]
        assert client.delete("/documents/anything", headers={"Authorization": "Bearer "}).status_code == 403


@pytest.mark.parametrize("field", ["title", "publication", "author", "url"])
@pytest.mark.parametrize(("bad", "code"), [("\x00", "U+0000"), ("\n", "U+000A"), ("\x1b[31m", "U+001B"),
                                           ("\x7f", "U+007F"), ("\u202e", "U+202E"), ("\u2028", "U+2028")])
def test_control_characters_are_refused_in_every_metadata_field(writer, field, bad, code):
    value = f"https://example.org/a{bad}b" if field == "url" else f"Quokka{bad}ville"
    response = _add(writer, {**NEW, field: value})
    assert response.status_code == 422, response.text
    assert f"{field}: Value error, must not contain control characters (found {code}" in response.json()["message"]
    files = {"file": ("notes.txt", ARTICLE.encode(), "text/plain")}
    upload = writer.post("/documents", files=files, data={field: value}, headers=AUTH)
    assert upload.status_code == 422 and code in upload.json()["message"]
    assert len(writer.get("/documents").json()) == SEEDS


def test_a_url_must_be_a_web_address(writer):
    response = _add(writer, {**NEW, "url": "javascript:alert(1)"})
    assert response.status_code == 422 and "url: Value error, must be an http:// or https://" in response.text


@pytest.mark.parametrize(("body", "position"), [(b'{"title": "x", "text": }', 23), (b'{"text": "a"', 12),
                                                (b'\n\n{"text": "a",}', 15)])
def test_broken_json_is_a_422_at_the_right_character(writer, body, position):
    response = writer.post("/documents", content=body, headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 422
    assert f"body: invalid JSON at character {position} (" in response.json()["message"], response.text
    elsewhere = writer.post("/ask", content=body, headers={"content-type": "application/json"})
    assert f"character {position} (" in elsewhere.json()["message"]  # the same position as on other routes
