"""POST /cite through the real app: verdicts, original wording at exact offsets, diffs, bad input."""

import pytest

from service.cli import main as runri

DOC_000, DOC_001, DOC_002, DOC_004 = ("000_7df7bf7b1c44685e", "001_549853e61d50ae2c", "002_d4ea2832484711c0",
                                      "004_09056013900b17ac")
TEXTS = {}


def _text(client, doc_id: str) -> str:
    if doc_id not in TEXTS:
        TEXTS[doc_id] = client.get(f"/documents/{doc_id}").json()["text"]
    return TEXTS[doc_id]


def _cite(client, text: str) -> dict:
    response = client.post("/cite", json={"text": text})
    assert response.status_code == 200, response.text
    body = response.json()
    for check in [body["whole"]] + body["sentences"]:
        assert body["text"][check["start"]:check["end"]] == check["text"]
        for match in check["matches"]:  # the original wording, at the article's own offsets
            assert _text(client, match["doc_id"])[match["start"]:match["end"]] == match["text"]
    return body


def _changes(match: dict) -> list[tuple[str, str, str]]:
    return [(d["op"], d["original"], d["pasted"]) for d in match["diff"] if d["op"] != "equal"]


def test_a_verbatim_quote_is_exact_at_its_offsets(client):
    quote = ("“I think this is the first time that Japan has really confronted richer and more "
             "sophisticated immigrants from Asia,” says Masutomo.")
    body = _cite(client, quote)
    assert body["verdict"] == "exact"
    [match] = body["whole"]["matches"]
    assert match["doc_id"] == DOC_002 and match["text"] == quote and match["score"] == 1.0
    assert match["publication"] == "Financial Times" and match["title"] is None  # the FT article states no title


def test_straight_quotes_find_the_curly_original(client):
    body = _cite(client, '"That signals that you want to talk about visas," Zhang says.')
    [match] = body["whole"]["matches"]
    assert body["verdict"] == "exact"
    assert match["text"] == "“That signals that you want to talk about visas,” Zhang says."


def test_hyphen_for_dash_and_spaced_ellipsis_are_typography(client):
    assert _cite(client, "in their own country-they only lease it for 60 years")["verdict"] == "exact"
    body = _cite(client, "I keep hearing Chinese being spoken everywhere... That wasn't why I left.")
    assert body["verdict"] == "exact"
    assert "everywhere . . . That wasn’t" in body["whole"]["matches"][0]["text"]


def test_a_partial_sentence_quoted_verbatim_is_exact(client):
    body = _cite(client, "has come into use to describe these new migrants")
    assert body["verdict"] == "exact" and body["whole"]["matches"][0]["doc_id"] == DOC_001


def test_a_sentence_in_two_places_lists_both(client):
    body = _cite(client, "Japan urgently needs foreign workers to fuel its economy")
    matches = body["whole"]["matches"]
    assert [m["verdict"] for m in matches] == ["exact", "exact"]
    assert {m["doc_id"] for m in matches} == {DOC_004}
    assert len({m["start"] for m in matches}) == 2


def test_one_changed_word_is_near_with_a_word_diff(client):
    body = _cite(client, "Japan is simple to enter and invest in.")
    match = body["whole"]["matches"][0]
    assert body["verdict"] == "near" and match["doc_id"] == DOC_000
    assert match["text"] == "Japan is easy to enter and invest in."
    assert _changes(match) == [("replace", "easy", "simple")]
    assert 0.8 <= match["score"] < 1


def test_typos_are_near_and_each_is_named(client):
    body = _cite(client, "Cao homed in on Bunkyo ward for its reputaton as the educational heart of the "
                         "Japanse capital.")
    match = body["whole"]["matches"][0]
    assert body["verdict"] == "near" and match["doc_id"] == DOC_002
    assert _changes(match) == [("replace", "reputation", "reputaton"), ("replace", "Japanese", "Japanse")]


def test_an_ellipsis_is_an_omission_exact_with_the_omitted_span_listed(client):
    body = _cite(client, "Under the program, hundreds of thousands of young workers from Asia took jobs in "
                         "Japanese farms ... and long-term care facilities.")
    [match] = body["whole"]["matches"]
    assert body["verdict"] == "exact" and match["doc_id"] == DOC_004
    assert match["text"].startswith("Under the program") and match["text"].endswith("long-term care facilities.")
    [omitted] = match["omissions"]
    assert omitted["text"] == "factories" == _text(client, DOC_004)[omitted["start"]:omitted["end"]]
    assert [(d["op"], d["original"], d["pasted"]) for d in match["diff"] if d["op"] != "equal"] == [
        ("omit", "factories", "...")]
    assert match["material_changes"] == []


@pytest.mark.parametrize("quote,omitted", [
    ("Japan is stable...It has rational politics", []),  # the ellipsis stands for a full stop only
    ("“Japan is stable. It has rational politics. [...] It just has a normal society.”",
     ["It has no Chinese nationalists. No Maga."]),
    ("…confronted richer and more sophisticated immigrants from Asia",
     ["“I think this is the first time that Japan has really"]),
    ("Cao reckons that, in early 2024, there were just three Chinese families . . .",
     ["including her own, in her apartment building."]),
])
def test_pieces_in_order_within_one_passage_are_exact(client, quote, omitted):
    body = _cite(client, quote)
    match = body["whole"]["matches"][0]
    assert body["verdict"] == "exact" and match["doc_id"] == DOC_002
    assert [o["text"] for o in match["omissions"]] == omitted


def test_an_ellipsis_between_sentences_is_no_sentence_of_its_own(client):
    body = _cite(client, "Japan is stable...It has rational politics. [...] It just has a normal society.")
    assert [s["text"] for s in body["sentences"]] == ["Japan is stable...It has rational politics.",
                                                      "It just has a normal society."]
    assert body["verdict"] == "exact"
    assert [o["text"] for o in body["whole"]["matches"][0]["omissions"]] == ["It has no Chinese nationalists. No Maga."]


def test_pieces_out_of_order_are_not_exact(client):
    body = _cite(client, "It has rational politics... Japan is stable")
    assert body["verdict"] != "exact"


def test_dropped_words_are_deletions_and_the_original_is_not_cut_short(client):
    body = _cite(client, "I think this is the first time that Japan has really confronted richer immigrants from Asia")
    match = body["whole"]["matches"][0]
    assert body["verdict"] == "near" and match["doc_id"] == DOC_002
    assert match["text"].endswith("confronted richer and more sophisticated immigrants from Asia")
    assert _changes(match) == [("delete", "and more sophisticated", "")]


@pytest.mark.parametrize("quote,kind,original,pasted", [
    ("Economist Jasper Koll estimates that Japan loses 2,500 people every day through aging, but gains 1,500 "
     "applications for long-stay visas every day as well.", "figure", "1,200", "1,500"),
    ("Economist Jasper Koll estimates that Japan loses 3,500 people every day through aging.", "figure", "2,500",
     "3,500"),
    ("Chinese citizens can buy land outright in their own country—they only lease it for 60 years.", "negation",
     "cannot", "can"),
    ("The odds that it can manage immigration are not good.", "negation", "", "not"),
])
def test_a_changed_figure_or_negation_is_altered_with_the_change_named(client, quote, kind, original, pasted):
    body = _cite(client, quote)
    match = body["whole"]["matches"][0]
    assert body["verdict"] == "altered" == match["verdict"]
    assert [(c["kind"], c["original"], c["pasted"]) for c in match["material_changes"]] == [(kind, original, pasted)]
def test_swapping_who_outnumbers_whom_is_altered_with_both_names_named(client):
    body = _cite(client, "Vietnamese residents now represent the largest group of foreign nationals in Japan, "
                         "outnumbering Chinese.")
    match = body["whole"]["matches"][0]
    assert body["verdict"] == "altered" == match["verdict"]
    assert match["text"].startswith("Chinese residents now represent the largest group")
    assert [(c["kind"], c["original"], c["pasted"]) for c in match["material_changes"]] == [
        ("name", "Chinese", "Vietnamese"), ("name", "Vietnamese", "Chinese")]


def test_a_paraphrase_names_its_source_sentence(client):
    body = _cite(client, "The ESDP, due to begin by 2027, is a three-year scheme meant to keep foreign workers "
                         "in Japan's workforce for the long haul instead of sending them home.")
    match = body["whole"]["matches"][0]
    assert body["verdict"] == "paraphrase" and match["doc_id"] == DOC_004
    assert match["text"].startswith("Scheduled to launch by 2027, the ESDP")
    assert match["diff"] == []


@pytest.mark.parametrize("quote", [
    "“Japan will become the Singapore of Northeast Asia for wealthy Chinese families,” says Masutomo.",
    "Cao says she regrets moving to Tokyo and plans to return to China next year.",
    "The number of Chinese living in Japan reached 920,000 at the end of 2024.",
    "The number of Chinese residents in Tokyo grew to 157,396 in 2024, triple the 2010 figure.",
    "About 30 things I of social the.",
])
def test_fabricated_quotes_are_not_attributed(client, quote):
    body = _cite(client, quote)
    assert body["verdict"] == "not_found" and body["whole"]["matches"] == []


def test_a_paragraph_is_checked_whole_and_sentence_by_sentence(client):
    text = ("Japan is simple to enter and invest in. I was chased by the police. "
            "Cao says she regrets moving to Tokyo and plans to return to China next year.")
    body = _cite(client, text)
    assert [s["verdict"] for s in body["sentences"]] == ["near", "exact", "not_found"]
    assert body["whole"]["verdict"] == "not_found"  # the three are not one passage anywhere
    assert body["sentences"][1]["matches"][0]["doc_id"] == DOC_002


def test_one_sentence_is_not_repeated_sentence_by_sentence(client):
    assert _cite(client, "I was chased by the police.")["sentences"] == []


def test_a_long_exact_text_is_exact_whole_and_each_sentence_says_so(client):
    text = _text(client, DOC_002)[2000:7000]
    text = text[text.index(". ") + 2:text.rindex(". ") + 1]
    body = _cite(client, text)
    assert body["verdict"] == "exact" and body["partial"] is False
    assert body["whole"]["matches"][0]["text"] == text
    assert len(body["sentences"]) > 10 and {s["verdict"] for s in body["sentences"]} == {"exact"}


def test_over_the_time_budget_the_result_is_partial(settings, engine):
    from service.engine import Engine

    hurried = Engine(settings.model_copy(update={"cite_time_budget_s": 1e-6}), engine.index, engine.embedder)
    result = hurried.cite("Japan is simple to enter and invest in. I was chased by the police. Japan is stable.")
    assert result.partial and result.sentences == []
    assert "time budget ran out" in result.note


def test_a_text_over_the_limit_is_refused_not_cut(client, engine):
    from service.request_errors import InvalidRequestError

    text = "Japan is stable. " * 353  # 6,001 characters
    response = client.post("/cite", json={"text": text})
    assert response.status_code == 422 and "at most 5000 characters" in response.json()["message"]
    with pytest.raises(InvalidRequestError, match="6,001 characters is over the limit of 5,000"):
        engine.cite(text)


def test_the_result_is_a_link_that_reproduces_the_check(client):
    body = _cite(client, "Japan is simple to enter & invest in?")
    assert body["link"] == "http://testserver/?quote=Japan+is+simple+to+enter+%26+invest+in%3F#quote"


@pytest.mark.parametrize("body,fragment", [
    ({"text": ""}, "text: String should have at least 1 character"),
    ({"text": "   \n "}, "text: Value error, must contain at least 1 non-whitespace character"),
    ({"text": "a" * 5001}, "text: String should have at most 5000 characters"),
    ({"text": 42}, "text: Input should be a valid string"),
    ({"text": ["a quote"]}, "text: Input should be a valid string"),
    ({"text": None}, "text: Input should be a valid string"),
    ({}, "text: Field required"),
])
def test_bad_input_is_a_422_naming_the_field(client, body, fragment):
    response = client.post("/cite", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert fragment in response.json()["message"]


def test_a_body_that_is_not_json_or_not_utf8_is_a_422(client):
    for raw in (b"\xff\xfe0", b'{"text": '):
        response = client.post("/cite", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422 and response.json()["message"].startswith("body: ")


def test_the_cli_prints_verdict_original_and_diff(settings, engine, monkeypatch, capsys):
    for name, value in (("RUNRI_DATA_DIR", settings.data_dir), ("RUNRI_SEEDS_DIR", settings.seeds_dir)):
        monkeypatch.setenv(name, str(value))
    from service.settings import get_settings
    get_settings.cache_clear()
    try:
        assert runri(["cite", "Japan is simple to enter and invest in."]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "REWORDED quote" in out
    assert "original: Japan is easy to enter and invest in." in out
    assert "'easy' -> 'simple'" in out
    assert "Asia Media Centre, Philip Turner, \"Chinese Run To Japan\", 2025-07-02" in out
    assert f"link: http://127.0.0.1:8000/read/{DOC_000}#2545-2582" in out
