"""Load stage: the articles and their catalog metadata, refusing anything that would break citations."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from index.errors import CorpusError

CATALOG_FILE = "catalog.json"
ARTICLE_SUFFIXES = (".txt", ".md")  # plain text or markdown, cited character for character


@dataclass(frozen=True, slots=True, init=False)
class Document:
    """One article. `text` is the file's exact content: every citation is an offset into it.

    The text is held as its UTF-8 bytes and decoded when asked for; the last TEXTS_KEPT decoded are
    kept. As `str`, a corpus with any character beyond Latin-1 in most articles takes two bytes a
    character (729 MB for 382 MB of text at a million chunks); UTF-8 takes about one, and decoding
    a 20 KB article takes about 60 us. (zlib on top halved it again but cost 0.15 ms more an article:
    /ask p50 at a million chunks went from 50 to 71 ms.)"""

    id: str
    _utf8: bytes = field(repr=False)
    length: int  # in characters, the unit of every offset
    sha256: str
    title: str | None
    publication: str | None
    author: str | None
    date: date | None
    url: str | None

    def __init__(self, id: str, text: str, sha256: str, title: str | None = None, publication: str | None = None,
                 author: str | None = None, date: date | None = None, url: str | None = None) -> None:
        fields = {"id": id, "_utf8": text.encode("utf-8"), "length": len(text), "sha256": sha256, "title": title,
                  "publication": publication, "author": author, "date": date, "url": url}
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    @property
    def text(self) -> str:
        return _decoded(self._utf8)


TEXTS_KEPT = 512  # decoded articles kept: a question's passages and answers come from a few dozen


@lru_cache(maxsize=TEXTS_KEPT)
def _decoded(utf8: bytes) -> str:
    return utf8.decode("utf-8")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_corpus(seeds_dir: Path, allow_empty: bool = False) -> dict[str, Document]:
    """Read every `*.txt` and `*.md` in `seeds_dir` (id = file stem) with its `catalog.json` entry, in id
    order."""
    if not seeds_dir.is_dir():
        raise CorpusError(f"corpus folder {seeds_dir} does not exist")
    catalog = _read_catalog(seeds_dir / CATALOG_FILE)
    files = sorted(path for path in seeds_dir.iterdir() if path.suffix in ARTICLE_SUFFIXES and path.is_file())
    if not files and not allow_empty:
        raise CorpusError(f"corpus folder {seeds_dir} holds no .txt or .md articles")
    twice = sorted(stem for stem, count in Counter(path.stem for path in files).items() if count > 1)
    if twice:
        raise CorpusError(f"{seeds_dir} has two files for {', '.join(twice)} (.txt and .md); keep one: the file "
                          "name is the article's id")
    missing = sorted(set(catalog) - {path.stem for path in files})
    if missing:
        raise CorpusError(
            f"{seeds_dir / CATALOG_FILE} has metadata for {', '.join(missing)} but no such .txt or .md file exists"
        )
    documents = {}
    for path in files:  # one text at a time: all of them at once as str was twice the corpus, briefly
        text = _read_text(path)
        documents[path.stem] = Document(id=path.stem, text=text, sha256=sha256_text(text), **catalog.get(path.stem, {}))
    return documents


def write_corpus(documents: list[Document], folder: Path) -> None:
    """The inverse of `load_corpus`: texts byte for byte, metadata in the catalog."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc in documents:
        (folder / f"{doc.id}.txt").write_bytes(doc.text.encode("utf-8"))
    entries = [{"id": d.id, "title": d.title, "publication": d.publication, "author": d.author,
                "date": d.date.isoformat() if d.date else None, "url": d.url} for d in documents]
    (folder / CATALOG_FILE).write_text(json.dumps({"documents": entries}, ensure_ascii=False, indent=1),
                                       encoding="utf-8")


def _read_text(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8") from exc
    if not text.strip():
        raise CorpusError(f"{path} is empty; an article needs text to be cited")
    return text


def _read_catalog(path: Path) -> dict[str, dict]:
    """Catalog entries keyed by id; a missing catalog means every field is unknown."""
    if not path.exists():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["documents"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CorpusError(f"{path} is not a valid catalog ({exc}); expected {{'documents': [...]}}") from exc
    catalog: dict[str, dict] = {}
    for entry in entries:
        doc_id = entry.get("id")
        if not doc_id:
            raise CorpusError(f"{path}: an entry has no 'id'")
        if doc_id in catalog:
            raise CorpusError(f"{path}: duplicate id {doc_id!r}")
        catalog[doc_id] = {
            "title": entry.get("title"),
            "publication": entry.get("publication"),
            "author": entry.get("author"),
            "date": _parse_date(entry.get("date"), path, doc_id),
            "url": entry.get("url"),
        }
    return catalog


def _parse_date(value: str | None, path: Path, doc_id: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CorpusError(f"{path}: date {value!r} of {doc_id} is not YYYY-MM-DD") from exc
