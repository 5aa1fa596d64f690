"""The name counts are counted once per corpus and read back at the next start: the same vocabulary,
without a pass over every word (106 s of a 200 s start at a million chunks)."""

from __future__ import annotations

import logging

import service.names as names
from index.corpus import Document, sha256_text
from service import name_counts_file
from service.names import NameCounts, NameVocabulary

TEXTS = {"a": "The author Takehiro Masutomo wrote Run-ri. Zhang Jieping lives in Tokyo.",
         "b": "In Osaka, Mr Masumoto and Takehiro Masumoto met the gaokao students."}


def _documents(texts: dict[str, str]) -> dict[str, Document]:
    return {doc_id: Document(doc_id, text, sha256_text(text)) for doc_id, text in texts.items()}


def _no_counting(monkeypatch) -> None:
    def refuse(text):
        raise AssertionError("counted an article again")
    monkeypatch.setattr(names, "_scan", refuse)


def test_the_next_start_reads_the_counts_back_and_a_changed_article_is_counted_again(tmp_path, monkeypatch):
    documents = _documents(TEXTS)
    counted = name_counts_file.counts_for(tmp_path, documents)
    assert counted == NameCounts.of(TEXTS.values())
    with monkeypatch.context() as patch:
        _no_counting(patch)
        read = name_counts_file.counts_for(tmp_path, documents)
    assert read == counted
    vocabulary = NameVocabulary((), counts=read)
    assert vocabulary.correct("What did Masotomo write?").did_you_mean == {"Masotomo": "Masutomo"}
    assert "masumoto" in vocabulary.variants["masutomo"][0].casefold()

    edited = _documents({**TEXTS, "b": TEXTS["b"] + " We met in Kobe."})
    assert name_counts_file.counts_for(tmp_path, edited).capitalised["Kobe"] == 1
    assert [p.name for p in (tmp_path / "derived").iterdir()] == [name_counts_file.path_for(tmp_path, edited).name]


def test_an_unreadable_file_is_counted_again_and_an_unwritable_folder_is_no_error(tmp_path, caplog):
    documents = _documents(TEXTS)
    path = name_counts_file.path_for(tmp_path, documents)
    path.parent.mkdir(parents=True)
    path.write_text('{"words": [1, 2', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="runri.names"):
        assert name_counts_file.counts_for(tmp_path, documents) == NameCounts.of(TEXTS.values())
    assert "unreadable" in caplog.text
    assert name_counts_file.load(tmp_path, documents) == NameCounts.of(TEXTS.values())  # written again, whole

    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / name_counts_file.FOLDER).write_text("a file where the folder would go", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="runri.names"):
        assert name_counts_file.counts_for(blocked, documents) == NameCounts.of(TEXTS.values())
    assert "not saved" in caplog.text


def test_a_write_saves_the_counts_of_its_corpus_for_the_next_start(small_engine, small_settings, hashing_embedder,
                                                                    monkeypatch):
    from index.update import add_document
    from service.index_lifecycle import update_params

    text = "On Quokka Island, Takehiro Masutomo spoke."
    written = small_engine.next(add_document(small_engine.index, Document("quokka", text, sha256_text(text)),
                                             hashing_embedder, update_params(small_settings),
                                             multilingual_embedder=small_engine.multilingual_embedder))
    _no_counting(monkeypatch)
    saved = name_counts_file.load(small_settings.data_dir, written.index.documents)
    assert saved == written.names.counts and saved.capitalised["Quokka"] == 1
