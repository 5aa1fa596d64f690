"""Live ingestion: add and remove articles while the service answers.

The server's writes are jobs (service/jobs.py), run one at a time by a background writer at a lower
CPU priority; the CLI writes directly. A write first chunks, splits and embeds the new text, which
needs no index; then, holding a thread lock within the process and a file lock across processes (so
the CLI and a server never interleave), it builds the next index from the current snapshot, persists
what changed as a new build swapped in atomically (a crash leaves the old index or the new one), and
publishes a new Engine. Readers keep the engine they started with, so they are never blocked and
never see a half-applied write.
"""

from __future__ import annotations

import fcntl
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from index.corpus import Document, sha256_text
from index.store import current_build_name, remove_stale_builds, save_index
from index.sentences import split_sentences
from index.update import add_segment, prepare_segment, remove_document
from service.engine import Engine
from service.index_lifecycle import open_index, update_params
from service.jobs import Job, WriteQueue
from service.models import AddResult, NewDocument, RemoveResult
from service.request_errors import (ConflictError, DocumentNotFoundError, InvalidRequestError,
                                    UnsupportedMediaTypeError)
from service.settings import Settings

LOCK_FILE = ".write.lock"
Report = Callable[..., None]  # Job.report(stage, done, total)


def _silent(stage: str, done: int | None = None, total: int | None = None) -> None:
    return None

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
        self.jobs = WriteQueue(settings.write_nice, settings.write_queue)

    # ---- jobs (the HTTP API): checked at once, run by the background writer

    def submit_add(self, new: NewDocument) -> AddResult | Job:
        """The checks a caller must hear about at once (bounds, identical text, a taken id), then the
        write as a job. Identical text already indexed answers an AddResult (nothing to do); identical
        text already queued answers that job."""
        doc, texts = self._bounded(to_document(new))
        engine = self._current()
        same = next((d for d in engine.index.documents.values() if d.sha256 == doc.sha256), None)
        if same is not None:
            return _added(engine, same, created=False, message=f"this text is already indexed as {same.id}; "
                                                              "nothing was added")
        queued = [j for j in self.jobs.pending() if j.kind == "add"]
        twin = next((j for j in queued if j.sha256 == doc.sha256), None)
        if twin is not None:
            return twin
        if doc.id in engine.index.documents or any(j.doc_id == doc.id for j in queued):
            raise _id_taken(doc.id)
        return self.jobs.submit("add", doc.id, texts, lambda job: self._add(doc, job.report), sha256=doc.sha256)

    def submit_remove(self, doc_id: str) -> Job:
        queued_add = any(j.kind == "add" and j.doc_id == doc_id for j in self.jobs.pending())
        if not queued_add:
            self._removable(self._current(), doc_id)
        return self.jobs.submit("remove", doc_id, 0, lambda job: self._remove(doc_id, job.report))

    def worth_waiting(self, job: Job) -> bool:
        """Whether a caller should wait for `job`: it is expected done within RUNRI_WRITE_WAIT_S."""
        return self.jobs.seconds_ahead() <= self.settings.write_wait_s

    # ---- direct writes (the CLI), and what a job runs

    def add(self, new: NewDocument) -> AddResult:
        doc, _ = self._bounded(to_document(new))
        return self._add(doc)

    def remove(self, doc_id: str) -> RemoveResult:
        return self._remove(doc_id)

    def _add(self, doc: Document, report: Report = _silent) -> AddResult:
        engine = self._current()
        known = self._known(engine, doc)
        if known is not None:
            return known
        # The heavy part (chunk, split, embed) needs no index, so no lock: another process may write meanwhile.
        report("embedding")
        multilingual = engine.multilingual_embedder if engine.index.multilingual is not None else None
        segment = prepare_segment(doc, engine.embedder, update_params(self.settings),
                                  progress=lambda done, total: report("embedding", done, total),
                                  multilingual_embedder=multilingual)
        with self._writing() as engine:
            known = self._known(engine, doc)
            if known is not None:
                return known
            report("saving")
            index = add_segment(engine.index, segment)
            save_index(index, self.settings.data_dir)
            report("publishing")
            engine = self._swap(index, engine)
            return _added(engine, doc, created=True, message=f"added {doc.id}; it is searchable now")

    def _remove(self, doc_id: str, report: Report = _silent) -> RemoveResult:
        with self._writing() as engine:
            self._removable(engine, doc_id)
            report("saving")
            chunks = len(engine.index.chunks.block(doc_id))
            index = remove_document(engine.index, doc_id, update_params(self.settings))
            save_index(index, self.settings.data_dir)
            report("publishing")
            self._swap(index, engine)
            return RemoveResult(id=doc_id, removed_chunks=chunks, message=f"removed {doc_id} from both indexes")

    def _bounded(self, doc: Document) -> tuple[Document, int]:
        """What one write can afford: at most RUNRI_MAX_DOCUMENT_SENTENCES sentences. Returns the texts
        the write will embed (sentences plus about one chunk per chunk-size of text)."""
        sentences = len(split_sentences(doc.text))
        limit = self.settings.max_document_sentences
        if sentences > limit:
            raise InvalidRequestError(f"text: {sentences:,} sentences, over the limit of {limit:,} per document "
                                      "(RUNRI_MAX_DOCUMENT_SENTENCES); split the article into parts")
        step = max(1, self.settings.chunk_size - self.settings.chunk_overlap)
        return doc, sentences + len(doc.text) // step + 1

    def _known(self, engine: Engine, doc: Document) -> AddResult | None:
        """None when `doc` may be added to `engine`'s index; the answer when it is there already."""
        same = next((d for d in engine.index.documents.values() if d.sha256 == doc.sha256), None)
        if same is not None:
            return _added(engine, same, created=False,
                          message=f"this text is already indexed as {same.id}; nothing was added")
        if doc.id in engine.index.documents:
            raise _id_taken(doc.id)
        return None

    def _removable(self, engine: Engine, doc_id: str) -> None:
        if doc_id not in engine.index.documents:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}")
        if doc_id not in engine.index.added_ids:
            raise ConflictError(f"{doc_id} is a seed article, part of the corpus in {self.settings.seeds_dir.name}/; "
                                "only added documents can be removed")

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
        fresh = engine.next(index)
        self._publish(fresh)
        return fresh


def _id_taken(doc_id: str) -> ConflictError:
    return ConflictError(f"document id {doc_id!r} is already used by another text; choose another id or remove "
                         "that document first")


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
                     chunks=len(engine.index.chunks.block(doc.id)),
                     sentences=len(engine.index.sentences.block(doc.id)))
