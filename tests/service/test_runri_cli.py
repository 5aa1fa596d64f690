"""`runri` on the three-article corpus (built with the real model, which the CLI loads itself): what it
prints, its exit codes, and that it validates like the API, before loading anything."""

from __future__ import annotations

import json
import socket

import re

import pytest

from service.cli import main as runri
from service.models import AskResult, CiteResult, SearchResult
from tests.conftest import THREE_ARTICLES


@pytest.fixture
def small_cli(small_real_settings, cli_env):
    cli_env(small_real_settings)
    return small_real_settings


@pytest.fixture
def no_index_cli(small_real_settings, cli_env, tmp_path):
    """Settings with no index at all: a command that gets past validation fails on the missing index."""
    cli_env(small_real_settings.model_copy(update={"data_dir": tmp_path / "none"}))


def test_search_prints_ranked_passages_with_ids_and_offsets(small_cli, capsys):
    assert runri(["search", "Jasper Koll", "--mode", "lexical"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "1. [run-to-japan 22:206] score 1.2570 (lexical)"
    assert lines[1] == "   Chinese Run To Japan"
    assert len([line for line in lines if line[:1].isdigit()]) == 1  # BM25 finds one chunk with the name


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_search_json_is_the_api_response(small_cli, capsys, mode):
    assert runri(["search", "foreign workers", "--json", "-k", "2", "--mode", mode]) == 0
    result = SearchResult.model_validate_json(capsys.readouterr().out)
    assert result.mode.value == mode and len(result.passages) == 2
    texts = {path.stem: path.read_text(encoding="utf-8") for path in small_cli.seeds_dir.glob("*.txt")}
    assert all(texts[p.doc_id][p.start:p.end] == p.text for p in result.passages)


def test_ask_prints_the_answer_its_source_the_marked_excerpt_and_corroboration(small_cli, capsys):
    assert runri(["ask", "How many Chinese nationals lived in Japan at the end of 2024?"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"Answer \((high|medium) confidence, [01]\.\d\d\): At the end of 2024, some 870,000 Chinese "
                        r"nationals were living in Japan, up from 686,000 in 2015\.", out[0])
    assert out[1] == ('Source: Asia Media Centre, Philip Turner, "Chinese Run To Japan", 2025-07-02 '
                      '[run-to-japan 22:119]')
    assert out[2] == "Link: http://127.0.0.1:8000/read/run-to-japan#22-119"
    assert out[3].startswith("Excerpt: >>At the end of 2024, some 870,000") and "2015.<< Economist" in out[3]
    assert out[4] == ("Also reported in: News On Japan [tokyo-schools 0:98]: As of the end of 2024, approximately "
                      "870,000 Chinese nationals were living in Japan—a record high.")


def test_ask_prints_the_answer_phrase_under_the_sentence(small_cli, capsys):
    assert runri(["ask", "What share of the pupils at Argus Prep School are Chinese?"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("): About 30% of the pupils at Argus Prep School in Tokyo are Chinese.")
    text = (THREE_ARTICLES / "tokyo-schools.txt").read_text(encoding="utf-8")
    start = text.index("About 30%")
    assert out[1] == f"  About 30% [tokyo-schools {start}:{start + 9}]"


def test_ask_says_plainly_when_the_articles_do_not_answer(small_cli, capsys):
    assert runri(["ask", "How many Chinese residents live in Nagoya?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The articles do not answer this: the articles never mention “Nagoya” (confidence 0.")
    assert "Closest passages:\n  [run-to-japan 22:206]" in out


def test_ask_json_is_the_api_response(small_cli, capsys):
    assert runri(["ask", "Who is Jasper Koll?", "--json", "-k", "1"]) == 0
    result = AskResult.model_validate_json(capsys.readouterr().out)
    assert (result.answer.doc_id, result.answer.start, result.answer.end) == ("run-to-japan", 120, 206)
    assert len(result.passages) == 1


def test_cite_prints_the_verdict_the_original_and_the_change(small_cli, capsys):
    assert runri(["cite", "Japan is simple to enter and invest in."]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "REWORDED quote: Japan is simple to enter and invest in.",
        '  near (0.89) in Asia Media Centre, Philip Turner, "Chinese Run To Japan", 2025-07-02 [run-to-japan 207:244]',
        "  original: Japan is easy to enter and invest in.",
        "  changed: 'easy' -> 'simple'",
        "  link: http://127.0.0.1:8000/read/run-to-japan#207-244"]
    assert runri(["cite", "Economist Jasper Koll estimates that Japan loses 3,500 people every day through aging."]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ALTERED quote: it changes what the source says")
    assert out[2] == "  !! the figure differs from the source: '2,500' -> '3,500'"
    assert runri(["cite", "  Japan urgently needs foreign workers  ", "--json"]) == 0
    result = CiteResult.model_validate_json(capsys.readouterr().out)
    assert result.text == "Japan urgently needs foreign workers" and len(result.whole.matches) == 3


@pytest.mark.parametrize("argv,message", [
    (["ask", ""], "question: String should have at least 1 character"),
    (["ask", "  \n "], "question: Value error, must contain at least 1 non-whitespace character"),
    (["ask", "x" * 1001], "question: String should have at most 1000 characters"),
    (["search", ""], "q: String should have at least 1 character"),
    (["search", "   "], "q: Value error, must contain at least 1 non-whitespace character"),
    (["search", "visa", "--mode", "semantic"], "unknown retrieval mode 'semantic'; valid modes: dense, lexical, multilingual, hybrid"),
    (["cite", ""], "text: String should have at least 1 character"),
    (["cite", "a" * 5001], "text: String should have at most 5000 characters"),
])
def test_bad_input_exits_2_with_the_apis_message_before_loading_anything(no_index_cli, capsys, argv, message):
    assert runri(argv) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


@pytest.mark.parametrize("k", ["0", "51", "-1"])
@pytest.mark.parametrize("command", ["search", "ask"])
def test_k_is_bounded_like_the_api(no_index_cli, capsys, command, k):
    with pytest.raises(SystemExit) as exit_:
        runri([command, "visa", "-k", k])
    assert exit_.value.code == 2 and "must be between 1 and 50" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["report.pdf", "photo.JPG", "article.docx", "notes"])
def test_add_refuses_other_formats_like_the_api(no_index_cli, tmp_path, capsys, name):
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.7 not an article")
    assert runri(["add", str(path), "--title", "Report"]) == 1
    assert capsys.readouterr().err.strip() == (f"error: {name!r} is not a .txt or .md file; save the article as "
                                               "UTF-8 plain text or markdown first")


@pytest.mark.parametrize("text,message", [
    ("...", "text: Value error, must contain at least one word"),
    ("Caf\xe9".encode("latin-1"), "is not valid UTF-8 (byte 3); save it as UTF-8"),
])
def test_add_refuses_placeholders_and_bad_encoding(no_index_cli, tmp_path, capsys, text, message):
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    assert runri(["add", str(path), "--title", "..."]) == 2
    assert message in capsys.readouterr().err


def test_add_then_remove_an_article_and_errors_name_commands_not_endpoints(small_real_settings, copy_index,
                                                                             cli_env, tmp_path, capsys):
    cli_env(copy_index(small_real_settings))
    article = tmp_path / "ferry.md"
    article.write_text("# Ferry\n\nThe Quokkaville ferry brought 77 new families from Ningbo.\n", encoding="utf-8")
    assert runri(["add", str(article), "--title", "Ferry news", "--id", "ferry", "--date", "2025-10-01"]) == 0
    assert capsys.readouterr().out.startswith("added ferry; it is searchable now (1 chunks, 2 sentences)")
    assert runri(["search", "Quokkaville ferry", "--mode", "lexical", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passages"][0]["doc_id"] == "ferry"
    assert runri(["remove", "ferry"]) == 0 and "removed ferry" in capsys.readouterr().out
    assert runri(["remove", "ferry"]) == 1
    assert capsys.readouterr().err.strip() == "error: no document with id 'ferry'; `runri index status` lists the ids"
    assert runri(["remove", "visa-reform"]) == 1
    err = capsys.readouterr().err
    assert "visa-reform is a seed article" in err and "/documents" not in err


def test_serve_on_a_busy_port_fails_at_once_with_a_clear_message(no_index_cli, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert runri(["serve", "--port", str(port)]) == 1
    assert capsys.readouterr().err.strip() == (f"error: cannot listen on 127.0.0.1:{port} (Address already in use); "
                                               "stop what uses it, or pick another port with --port (or RUNRI_PORT)")


def test_index_build_and_status(small_real_settings, copy_index, cli_env, capsys):
    cli_env(copy_index(small_real_settings))
    assert runri(["index", "build"]) == 0
    assert capsys.readouterr().out.startswith("index is fresh, nothing to do: 3 documents, 11 chunks, 19 sentences")
    assert runri(["index", "status"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("fresh") and '"run-to-japan"' in out
    assert runri(["index", "build", "--force"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("built 3 documents, 11 chunks, 19 sentences")
    assert "building the index of 3 documents" in err and "embedding" in err  # then the embedding bar
