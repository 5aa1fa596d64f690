"""Questions in Chinese and Japanese, and names spelled the way readers spell them, over HTTP with the
real models and index: the answer is still an exact English sentence, and the response says what it heard."""

from __future__ import annotations

import pytest

OSAKA_ZH = "2024年大阪有多少中国籍居民？"
MISSPELLED = "What book did Takehiro Masotomo write?"


def exact(client, citation: dict) -> bool:
    text = client.get(f"/documents/{citation['doc_id']}").json()["text"]
    return text[citation["start"]:citation["end"]] == citation["text"]


def test_a_chinese_question_is_answered_with_the_exact_english_sentence(client):
    body = client.post("/ask", json={"question": OSAKA_ZH}).json()
    assert body["language"] == "zh"
    assert "57,396" in body["answer"]["text"]
    assert exact(client, body["answer"])
    assert "multilingual" in {r for p in body["passages"] for r in p["retrievers"]}


def test_the_issues_japanese_question_finds_the_osaka_figure_among_its_passages(client):
    body = client.post("/ask", json={"question": "大阪に住む中国人は何人ですか？", "k": 10}).json()
    assert body["language"] == "ja"
    assert any("57,396" in p["text"] for p in body["passages"])
    assert all(exact(client, p) for p in body["passages"])


def test_a_misspelled_name_is_searched_as_the_corpus_spelling_and_said_so(client):
    body = client.post("/ask", json={"question": MISSPELLED}).json()
    assert body["did_you_mean"] == {"Masotomo": "Masutomo"}
    assert body["question"] == MISSPELLED  # the reader's question is echoed as asked
    assert any("Masutomo" in p["text"] and "book" in p["text"] for p in body["passages"][:2])
    assert "Masotomo" not in (body["abstained_reason"] or "")  # never "the articles never mention Masotomo"
    search = client.get("/search", params={"q": MISSPELLED}).json()
    assert search["did_you_mean"] == {"Masotomo": "Masutomo"}


@pytest.mark.parametrize(("question", "wording"), [
    ("如何烤巧克力蛋糕？", "文章中没有"),
    ("量子コンピュータの誤り訂正符号はどう機能しますか？", "記事の中に"),
])
def test_an_abstention_is_worded_in_the_readers_language_without_echoing_the_question(client, question, wording):
    body = client.post("/ask", json={"question": question}).json()
    assert body["answer"] is None
    assert wording in body["abstained_reason"]
    assert question.rstrip("？") not in body["abstained_reason"]


def test_an_abstention_names_the_missing_figure_not_the_question(client):
    question = "2030年名古屋有多少中国居民？"
    body = client.post("/ask", json={"question": question}).json()
    assert body["answer"] is None
    assert "2030" in body["abstained_reason"] and question.rstrip("？") not in body["abstained_reason"]


def test_the_multilingual_leg_can_be_searched_alone(client):
    body = client.get("/search", params={"q": "地下銀行は現金を何で運びますか", "mode": "multilingual"}).json()
    assert body["mode"] == "multilingual" and body["language"] == "ja"
    assert body["passages"] and all(p["retrievers"] == ["multilingual"] for p in body["passages"])


def test_english_questions_keep_the_english_legs(client):
    body = client.post("/ask", json={"question": "How many Chinese residents did Osaka have in 2024?"}).json()
    assert body["language"] == "en" and body["did_you_mean"] == {}
    assert {r for p in body["passages"] for r in p["retrievers"]} <= {"dense", "lexical"}
