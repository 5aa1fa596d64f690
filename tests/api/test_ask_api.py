"""POST /ask and GET /documents/{id}/excerpt through the real app (real model, FAISS, BM25)."""

import pytest

DOCS = {}


def _text(client, doc_id: str) -> str:
    if doc_id not in DOCS:
        DOCS[doc_id] = client.get(f"/documents/{doc_id}").json()["text"]
    return DOCS[doc_id]


def _ask(client, question: str, **body) -> dict:
    response = client.post("/ask", json={"question": question, **body})
    assert response.status_code == 200, response.text
    return response.json()


def _assert_verbatim(client, body: dict) -> None:
    """Every excerpt in a response is the document's text at its offsets."""
    items = body["passages"] + body["also_reported_in"] + ([body["answer"]] if body["answer"] else [])
    for item in items:
        assert _text(client, item["doc_id"])[item["start"]:item["end"]] == item["text"]
    for p in body["passages"]:
        for h in p["highlights"]:
            assert p["start"] <= h["start"] < h["end"] <= p["end"]


@pytest.mark.parametrize("question,doc_id,fact", [
    ("How many Chinese nationals lived in Japan at the end of 2024?", "001_549853e61d50ae2c", "870,000"),
    ("What share of the pupils at Argus Prep School are Chinese?", "001_549853e61d50ae2c", "about 30%"),
    ("What kind of company is Ambition DX?", "002_d4ea2832484711c0", "real-estate brokerage"),
    ("Who founded Compass Capital?", "002_d4ea2832484711c0", "Alex Hayashi"),
])
def test_paraphrased_questions_get_the_fact_with_exact_offsets(client, question, doc_id, fact):
    body = _ask(client, question)
    answer = body["answer"]
    assert answer is not None, body["abstained_reason"]
    assert answer["doc_id"] == doc_id and fact in answer["text"]
    assert 0 < body["confidence"] <= 1 and body["abstained_reason"] is None
    _assert_verbatim(client, body)
    answer_passage = next(p for p in body["passages"] if p["doc_id"] == doc_id
                          and p["start"] <= answer["start"] < p["end"])
    assert {"start": answer["start"], "end": answer["end"]} in answer_passage["highlights"]


@pytest.mark.parametrize("question,phrase", [
    ("How many Chinese nationals lived in Japan at the end of 2024?", "approximately 870,000"),
    ("Approximately how many Chinese nationals resided in Japan back in 1995?", "about 200,000"),
    ("How many people does Japan lose every day through aging?", None),  # 2,500 and 1,200: no guess
    ("Who founded Compass Capital?", None),  # only figures and dates get a span
])
def test_the_answer_phrase_is_marked_inside_the_sentence_at_exact_offsets(client, question, phrase):
    answer = _ask(client, question)["answer"]
    if phrase is None:
        assert answer["span"] is None
        return
    span = answer["span"]
    assert answer["start"] <= span["start"] < span["end"] <= answer["end"]
    assert _text(client, answer["doc_id"])[span["start"]:span["end"]] == phrase


def test_rare_name_is_answered_through_the_lexical_leg(client):
    question = "Who is Jasper Koll?"
    lexical = _ask(client, question, mode="lexical")
    dense = _ask(client, question, mode="dense")
    hybrid = _ask(client, question, mode="hybrid")
    assert "Jasper Koll" in lexical["answer"]["text"]
    assert dense["answer"] is None or "Koll" not in dense["answer"]["text"]
    assert "Jasper Koll" in hybrid["answer"]["text"]
    found = next(p for p in hybrid["passages"] if "Jasper Koll" in p["text"])
    assert "lexical" in found["retrievers"]


def test_paraphrase_without_shared_words_is_found_through_the_dense_leg(client):
    """No content word of the question occurs in the passage: only the embedding can find it."""
    question = "How do people smuggle money out of the country?"
    underground = "The banks convert renminbi into yen"
    dense = client.get("/search", params={"q": question, "mode": "dense", "k": 3}).json()["passages"]
    lexical = client.get("/search", params={"q": question, "mode": "lexical", "k": 3}).json()["passages"]
    assert any(underground in p["text"] for p in dense)
    assert not any(underground in p["text"] for p in lexical)


def test_hybrid_keeps_a_dense_only_paraphrase_hit(client):
    """RRF alone ranks this chunk (dense #1, unseen by BM25) below chunks both legs rank moderately."""
    body = _ask(client, "How do people smuggle money out of the country?")
    assert any("The banks convert renminbi into yen" in p["text"] for p in body["passages"])


@pytest.mark.parametrize("question,missing", [
    ("How many Chinese residents live in Nagoya?", "Nagoya"),
    pytest.param("What percentage of Shinjuku's residents are Chinese nationals?", "Shinjuku", marks=pytest.mark.xfail(
        strict=True, reason="issue 12: a name the corpus uses elsewhere (Shinjuku) but not near the best sentence "
                            "does not stop the learned answer stage; the unknown-names rule covers only names "
                            "no article uses")),
])
def test_unanswerable_questions_abstain_but_keep_the_passages(client, question, missing):
    body = _ask(client, question)
    assert body["answer"] is None
    assert missing in body["abstained_reason"]
    assert body["passages"] and body["also_reported_in"] == []
    _assert_verbatim(client, body)


def test_a_question_asking_for_a_figure_is_not_answered_by_a_sentence_without_one(client):
    body = _ask(client, "How much does Masutomo's book Run Ri cost?")
    assert body["answer"] is None
    assert body["confidence_level"] == "low" and body["abstained_reason"]
    assert any("Run Ri, was published in January" in p["text"] for p in body["passages"])


def test_fact_in_two_articles_lists_the_second(client):
    body = _ask(client, "How many Chinese nationals lived in Japan at the end of 2024?")
    others = {c["doc_id"]: c for c in body["also_reported_in"]}
    assert "000_7df7bf7b1c44685e" in others
    assert "870,000" in others["000_7df7bf7b1c44685e"]["text"]
    assert others["000_7df7bf7b1c44685e"]["similarity"] >= 0.6
    _assert_verbatim(client, body)


def test_filters_restrict_passages_and_answer(client):
    body = _ask(client, "Why do Chinese families move to Japan?", filters={"publication": "financial times"})
    assert body["passages"] and {p["publication"] for p in body["passages"]} == {"Financial Times"}
    dated = _ask(client, "Why do Chinese families move to Japan?",
                 filters={"date_from": "2025-06-01", "date_to": "2025-12-31"})
    assert {p["doc_id"] for p in dated["passages"]} == {"000_7df7bf7b1c44685e"}


@pytest.mark.parametrize("body,status,fragment", [
    ({"question": ""}, 422, "question: String should have at least 1 character"),
    ({"question": "   "}, 422, "question: Value error, must contain at least 1 non-whitespace character"),
    ({"question": "x" * 1001}, 422, "question: String should have at most 1000 characters"),
    ({"question": "visa", "k": 0}, 422, "k: Input should be greater than or equal to 1"),
    ({"question": "visa", "k": 1000}, 422, "k: Input should be less than or equal to 50"),
    ({"question": "visa", "mode": "semantic"}, 422, "mode: Input should be 'dense', 'lexical', 'multilingual' or 'hybrid'"),
    ({"question": "visa", "filters": {"doc_ids": ["nope"]}}, 422, "unknown documents: 'nope'"),
    ({"question": 42}, 422, "question: Input should be a valid string"),
    ({}, 422, "question: Field required"),
])
def test_bad_ask_input_is_a_clear_4xx(client, body, status, fragment):
    response = client.post("/ask", json=body)
    assert response.status_code == status
    assert fragment in response.json()["message"]


def test_excerpt_link_returns_the_exact_text_with_context(client):
    body = _ask(client, "How many Chinese nationals lived in Japan at the end of 2024?")
    a = body["answer"]
    excerpt = client.get(f"/documents/{a['doc_id']}/excerpt", params={"start": a["start"], "end": a["end"]}).json()
    assert excerpt["text"] == a["text"]
    full = _text(client, a["doc_id"])
    assert full[a["start"] - len(excerpt["before"]):a["start"]] == excerpt["before"]
    assert full[a["end"]:a["end"] + len(excerpt["after"])] == excerpt["after"]


@pytest.mark.parametrize("params,fragment", [
    ({"start": 10, "end": 10}, "0 <= start < end <= 2214"),
    ({"start": 0, "end": 999999}, "got start=0, end=999999"),
    ({"start": -1, "end": 5}, "start: Input should be greater than or equal to 0"),
])
def test_excerpt_offsets_outside_the_document_are_422(client, params, fragment):
    response = client.get("/documents/003_f119616ee21580a0/excerpt", params=params)
    assert response.status_code == 422 and fragment in response.json()["message"]
