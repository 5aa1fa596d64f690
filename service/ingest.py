"""Live ingestion: add and remove articles while the service answers.

One writer at a time: a thread lock within the process and a file lock across processes, so the CLI
and a server never interleave. Each write builds the next index from the current snapshot (only the
new text is embedded), persists it as a new build swapped in atomically (a crash leaves the old
index or the new one), then publishes a new Engine. Readers keep the engine they started with, so
they are never blocked and never see a half-applied write.
"""

from __future__ import annotations

import fcntl
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from index.corpus import Document, sha256_text
from index.store import current_build_name, remove_stale_builds, save_index
from index.update import add_document, remove_document
from service.engine import Engine
from service.index_lifecycle import open_index, update_params
from service.models import AddResult, NewDocument, RemoveResult
from service.request_errors import ConflictError, DocumentNotFoundError, UnsupportedMediaTypeError
from service.settings import Settings

LOCK_FILE = ".write.lock"
TEXT_SUFFIXES = (".txt", ".md", ".markdown")


def require_text_file(name: str | None) -> None:
    """Articles are plain text or markdown: citations are offsets into their exact characters."""
    if not (name or "").lower().endswith(TEXT_SUFFIXES):
        raise UnsupportedMediaTypeError(f"{name!r} is not a .txt or .md file; save the article as UTF-8 plain "
                                        "text or markdown first")


class Ingestor:
    def __init__(self, settings: Settings, current: Callable[[], Engine], publish: Callable[[Engine], None]) -> None:
        self.settings = settings
        self._current = current
        self._publish = publish
        self._lock = threading.Lock()

    def add(self, new: NewDocument) -> AddResult:
        doc = to_document(new)
        with self._writing() as engine:
            same = next((d for d in engine.index.documents.values() if d.sha256 == doc.sha256), None)
            if same is not None:
                return _added(engine, same, created=False,
                              message=f"this text is already indexed as {same.id}; nothing was added")
            if doc.id in engine.index.documents:
                raise ConflictError(f"document id {doc.id!r} is already used by another text; choose another id "
                                    "or remove that document first")
            index = add_document(engine.index, doc, engine.embedder, update_params(self.settings),
                                 multilingual_embedder=engine.multilingual_embedder)
            save_index(index, self.settings.data_dir)
            engine = self._swap(index, engine)
            return _added(engine, doc, created=True, message=f"added {doc.id}; it is searchable now")

    def remove(self, doc_id: str) -> RemoveResult:
        with self._writing() as engine:
            if doc_id not in engine.index.documents:
                raise DocumentNotFoundError(f"no document with id {doc_id!r}")
            if doc_id not in engine.index.added_ids:
                raise ConflictError(f"{doc_id} is a seed article, part of the corpus in {self.settings.seeds_dir.name}/; "
                                    "only added documents can be removed")
            chunks = sum(c.doc_id == doc_id for c in engine.index.chunks)
            index = remove_document(engine.index, doc_id, update_params(self.settings))
            save_index(index, self.settings.data_dir)
            self._swap(index, engine)
            return RemoveResult(id=doc_id, removed_chunks=chunks, message=f"removed {doc_id} from both indexes")

    def remove_stale_builds(self) -> list[str]:
        """At start-up: remove what crashed or failed writes left behind (temporary builds fill a disk).
        Under the write lock, so a CLI writer's build in progress is never touched; skipped while one runs."""
        data_dir = self.settings.data_dir
        if not data_dir.is_dir():
            return []
        with self._lock, (data_dir / LOCK_FILE).open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return []
            try:
                return remove_stale_builds(data_dir)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def _writing(self) -> Iterator[Engine]:
        """Hold both locks; start from the index on disk if another process wrote since we loaded."""
        data_dir = self.settings.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        with self._lock, (data_dir / LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                engine = self._current()
                if current_build_name(data_dir) != engine.index.build_name:
                    engine = self._swap(open_index(self.settings), engine)
                yield engine
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _swap(self, index, engine: Engine) -> Engine:
        fresh = Engine(self.settings, index, engine.embedder, engine.multilingual_embedder)
        self._publish(fresh)
        return fresh


def to_document(new: NewDocument) -> Document:
    sha = sha256_text(new.text)
    return Document(id=new.id or _make_id(new.title, sha), text=new.text, sha256=sha, title=new.title,
                    publication=new.publication, author=new.author, date=new.date, url=new.url)


def _make_id(title: str | None, sha: str) -> str:
    """A readable, stable id: the title's first words and the text's hash."""
    slug = re.sub(r"[^a-z0-9]+", "-", (title or "").lower()).strip("-")[:40].strip("-")
    return f"{slug}_{sha[:8]}" if slug else f"doc_{sha[:12]}"


def _added(engine: Engine, doc: Document, created: bool, message: str) -> AddResult:
    return AddResult(id=doc.id, created=created, message=message, sha256=doc.sha256,
                     chunks=sum(c.doc_id == doc.id for c in engine.index.chunks),
                     sentences=sum(s.doc_id == doc.id for s in engine.index.sentences))
