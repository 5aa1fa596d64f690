import hashlib
import json
from pathlib import Path

import pytest

from index.corpus import load_corpus
from index.errors import CorpusError
from tests.conftest import SEEDS, SHARED_SEEDS


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_seeds_are_byte_identical_to_shared_copy():
    ours = {p.name: _sha(p) for p in SEEDS.glob("*.txt")}
    theirs = {p.name: _sha(p) for p in SHARED_SEEDS.glob("*.txt")}
    assert ours == theirs


def test_corpus_loads_five_articles_with_catalog_metadata():
    docs = load_corpus(SEEDS)
    assert sorted(docs) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    asia = docs["000_7df7bf7b1c44685e"]
    assert (asia.title, asia.publication, asia.author, str(asia.date)) == (
        "Chinese Run To Japan", "Asia Media Centre", "Philip Turner", "2025-07-02")
    assert docs["002_d4ea2832484711c0"].author == "Leo Lewis"
    assert docs["004_09056013900b17ac"].publication is None  # the article does not say


def _seeds_with(tmp_path: Path, files: dict[str, bytes], catalog: list[dict] | None = None) -> Path:
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    if catalog is not None:
        (tmp_path / "catalog.json").write_text(json.dumps({"documents": catalog}))
    return tmp_path


def test_refuses_text_that_is_not_utf8(tmp_path):
    seeds = _seeds_with(tmp_path, {"a.txt": "café".encode("latin-1")})
    with pytest.raises(CorpusError, match=r"a\.txt is not valid UTF-8"):
        load_corpus(seeds)


def test_refuses_empty_text(tmp_path):
    seeds = _seeds_with(tmp_path, {"good.txt": b"Some text.", "blank.txt": b"  \n"})
    with pytest.raises(CorpusError, match=r"blank\.txt is empty"):
        load_corpus(seeds)


def test_refuses_duplicate_ids_in_catalog(tmp_path):
    seeds = _seeds_with(tmp_path, {"a.txt": b"Text."}, [{"id": "a"}, {"id": "a", "title": "again"}])
    with pytest.raises(CorpusError, match=r"catalog\.json: duplicate id 'a'"):
        load_corpus(seeds)


def test_refuses_metadata_for_a_missing_file(tmp_path):
    seeds = _seeds_with(tmp_path, {"a.txt": b"Text."}, [{"id": "a"}, {"id": "ghost"}])
    with pytest.raises(CorpusError, match=r"metadata for ghost but no such \.txt or \.md file"):
        load_corpus(seeds)


def test_refuses_a_bad_date(tmp_path):
    seeds = _seeds_with(tmp_path, {"a.txt": b"Text."}, [{"id": "a", "date": "May 2025"}])
    with pytest.raises(CorpusError, match=r"date 'May 2025' of a is not YYYY-MM-DD"):
        load_corpus(seeds)


def test_markdown_articles_are_loaded_like_text(tmp_path):
    seeds = _seeds_with(tmp_path, {"a.txt": b"Plain text.", "b.md": "# Notes\n\n*Markdown*, byte for byte.\n".encode(),
                                   "notes.pdf": b"%PDF", "README": b"not an article"},
                        [{"id": "b", "title": "Notes", "date": "2025-10-02"}])
    docs = load_corpus(seeds)
    assert sorted(docs) == ["a", "b"]
    assert docs["b"].text == "# Notes\n\n*Markdown*, byte for byte.\n" and docs["b"].title == "Notes"


def test_refuses_one_id_in_two_files(tmp_path):
    seeds = _seeds_with(tmp_path, {"a.txt": b"Text.", "a.md": b"Text again."})
    with pytest.raises(CorpusError, match=r"two files for a \(\.txt and \.md\); keep one"):
        load_corpus(seeds)


def test_refuses_a_folder_without_articles(tmp_path):
    with pytest.raises(CorpusError, match=r"holds no \.txt or \.md articles"):
        load_corpus(_seeds_with(tmp_path, {"notes.pdf": b"%PDF"}))


def test_an_article_held_as_utf8_gives_back_its_exact_text_and_length():
    """Offsets are in characters: a text beyond Latin-1 (潤日, an emoji) must come back character for character."""
    from index import corpus

    text = "Run-ri 潤日 — “run to Japan” 🏃 café\r\nline two"
    doc = corpus.Document(id="x", text=text, sha256=corpus.sha256_text(text), title="T")
    assert doc.text == text and doc.length == len(text) == 43
    assert doc.text[7:9] == "潤日"
    assert doc == corpus.Document(id="x", text=text, sha256=corpus.sha256_text(text), title="T")
    assert doc != corpus.Document(id="x", text=text + ".", sha256=corpus.sha256_text(text), title="T")
    for i in range(corpus.TEXTS_KEPT + 10):  # the decoded texts kept stay bounded
        assert corpus.Document(id=str(i), text=f"article {i}", sha256="-").text == f"article {i}"
    assert corpus._decoded.cache_info().currsize <= corpus.TEXTS_KEPT
