"""An index is a directory: FAISS files, chunks and sentences as JSONL, BM25 files and a manifest.

`data_dir/index` is a symlink to the current build directory; a new build is written beside it and
the link is swapped with one atomic rename, so a crash leaves the old index or the new one, never half.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import sys
import uuid
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.backend import BM25_DIR, FaissBackend, SearchBackend
from index.corpus import Document, load_corpus, write_corpus
from index.errors import DiskFullError, IndexCorruptError, IndexMissingError, IndexStaleError
from index.manifest import Fingerprint, Manifest
from index.multilingual import MultilingualVectors
from index.rows import ChunkRows, SentenceRows
from index.segments import SEGMENTS_DIR, Segment, read_document, read_segment, write_segment
from index.sentences import Sentence

CURRENT = "index"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
SENTENCES = "sentences.jsonl"
ADDED_DIR = "added"  # documents added through the API: part of the build, swapped in with it
REBUILD_HINT = "rebuild it with `runri index build --force` (or `make index`)"
MAX_SEGMENTS = 64  # beyond this many documents added since the last full save, a write saves in full


@dataclass(frozen=True)
class Delta:
    """What one write changed relative to the build it started from (`base`, with `base_segments`), so
    that saving the result writes only that: an added document's segment, or one segment fewer."""

    base: str | None
    base_segments: list[str]
    segment: Segment | None = None
    removed: str | None = None

    def applies_to(self, current: str | None) -> bool:
        return (self.base is not None and self.base == current
                and (self.segment is not None or self.removed in self.base_segments))


@dataclass
class CorpusIndex:
    """Everything a query needs: the documents, their chunks and sentences in memory, and the backend
    that ranks them (FAISS + bm25s in this process, or Milvus collections)."""

    manifest: Manifest
    documents: dict[str, Document]
    chunks: ChunkRows
    sentences: SentenceRows
    backend: SearchBackend
    added_ids: frozenset[str] = frozenset()  # documents added at run time, not from seeds/
    build_name: str | None = None  # the build directory this was loaded from or saved to
    delta: Delta | None = None  # set by index/update.py: what changed since `build_name`
    # The cross-lingual leg (multilingual USE vectors), when built with one. Kept in FAISS in the build
    # directory whatever the backend: it is small (512-d, one row per chunk and sentence). A write's
    # segment carries its rows; a full save folds them in.
    multilingual: MultilingualVectors | None = None

    def __post_init__(self) -> None:
        # Rows given as lists (a build, tests) are kept as arrays like loaded ones (index/rows.py).
        if not isinstance(self.chunks, ChunkRows):
            self.chunks = ChunkRows.of(self.chunks, self.documents)
        if not isinstance(self.sentences, SentenceRows):
            self.sentences = SentenceRows.of(self.sentences)

    def sentences_in(self, doc_id: str, start: int, end: int) -> list[Sentence]:
        """Sentences of `doc_id` that overlap [start, end), in order."""
        return [self.sentences[r] for r in self.sentences.overlapping(doc_id, start, end)]

    def sentence_rows(self, doc_id: str) -> range:
        """The ids of `doc_id`'s sentences, in order (none for an unknown document)."""
        return self.sentences.block(doc_id)

    def text_of(self, doc_id: str, start: int, end: int) -> str:
        return self.documents[doc_id].text[start:end]

    # The embedded backend's indexes, for benchmarks and tests that inspect them.
    @property
    def chunk_vectors(self):
        return self._faiss().chunk_vectors

    @property
    def sentence_vectors(self):
        return self._faiss().sentence_vectors

    @property
    def lexical(self):
        return self._faiss().lexical_index

    @property
    def multilingual_chunk_vectors(self):
        """USE vectors of the chunks (a DenseIndex, row = chunk id), or None without the cross-lingual leg."""
        return self.multilingual.chunks if self.multilingual is not None else None

    @property
    def multilingual_sentence_vectors(self):
        """USE vectors of the sentences (row = sentence id; `.rows(ids)` reads some), or None."""
        return self.multilingual.sentences if self.multilingual is not None else None

    def _faiss(self) -> FaissBackend:
        if not isinstance(self.backend, FaissBackend):
            raise AttributeError(f"the {self.backend.kind} backend holds no in-process FAISS or BM25 index")
        return self.backend


def save_index(index: CorpusIndex, data_dir: Path) -> Path:
    """Write `index` into a fresh directory under `data_dir` and atomically make it the current one.
    A failed write (a full disk: DiskFullError) removes its temporary build at once and leaves the
    current index as it was."""
    data_dir.mkdir(parents=True, exist_ok=True)
    build_dir = data_dir / f"index-{uuid.uuid4().hex[:12]}"
    tmp_dir = data_dir / f".{build_dir.name}.tmp"
    delta = index.delta
    incremental = (delta is not None and isinstance(index.backend, FaissBackend)
                   and len(index.manifest.segments) <= MAX_SEGMENTS and delta.applies_to(current_build_name(data_dir)))
    try:
        if incremental:
            return _save_delta(index, delta, data_dir, build_dir, tmp_dir)
        return _save(index, data_dir, build_dir, tmp_dir)
    except BaseException as exc:
        full = _is_disk_full(exc, data_dir)
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if current_build_name(data_dir) != build_dir.name:
            shutil.rmtree(build_dir, ignore_errors=True)
        if full and current_build_name(data_dir) != build_dir.name:  # else it was published after all
            needed = estimated_bytes(index, delta if incremental else None)
            raise DiskFullError(f"no space left in RUNRI_DATA_DIR ({data_dir}; needs about "
                                f"{math.ceil(needed / 1_000_000)} MB free); nothing was changed: free some space "
                                "and send the write again", needed) from exc
        raise


def _save(index: CorpusIndex, data_dir: Path, build_dir: Path, tmp_dir: Path) -> Path:
    """A full save: every row in the base files, every added document in added/, no segments."""
    tmp_dir.mkdir()
    _write_jsonl(tmp_dir / CHUNKS, ({"id": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end,
                                     "text": c.text} for c in index.chunks))
    _write_jsonl(tmp_dir / SENTENCES, ({"id": s.id, "doc_id": s.doc_id, "start": s.start, "end": s.end}
                                        for s in index.sentences))
    index.backend.save(tmp_dir)
    if index.multilingual is not None:
        index.multilingual.save(tmp_dir)
    write_corpus([index.documents[d] for d in sorted(index.added_ids)], tmp_dir / ADDED_DIR)
    index.manifest.segments = []
    _finish(index, data_dir, build_dir, tmp_dir, new_files=None)
    return build_dir


def _save_delta(index: CorpusIndex, delta: Delta, data_dir: Path, build_dir: Path, tmp_dir: Path) -> Path:
    """Only what the write changed: the added document's segment (or none for a removal) and BM25, whose
    scores all move with the corpus; every other file is a hard link to the previous build's."""
    base = data_dir / delta.base
    tmp_dir.mkdir()
    dropped = f"{SEGMENTS_DIR}/{delta.removed}/" if delta.removed else None
    for source in base.rglob("*"):
        relative = source.relative_to(base).as_posix()
        if (not source.is_file() or relative == MANIFEST or relative.startswith(f"{BM25_DIR}/")
                or (dropped and relative.startswith(dropped))):
            continue
        (tmp_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        os.link(source, tmp_dir / relative)
    new_files = []
    if delta.segment is not None:
        new_files += write_segment(tmp_dir / SEGMENTS_DIR / delta.segment.document.id, delta.segment)
    index.backend.lexical_index.save(tmp_dir / BM25_DIR)
    new_files += [p for p in (tmp_dir / BM25_DIR).rglob("*") if p.is_file()]
    _finish(index, data_dir, build_dir, tmp_dir, new_files)
    return build_dir


def _finish(index: CorpusIndex, data_dir: Path, build_dir: Path, tmp_dir: Path, new_files: list[Path] | None
            ) -> None:
    """Manifest, fsync (`new_files` only, when the rest are links to files already on disk), then the
    atomic swap: until the link moves, readers and a restart see the previous build."""
    index.manifest.files = _file_sizes(tmp_dir)
    (tmp_dir / MANIFEST).write_text(index.manifest.model_dump_json(indent=2), encoding="utf-8")
    _fsync_tree(tmp_dir, None if new_files is None else [*new_files, tmp_dir / MANIFEST])
    tmp_dir.rename(build_dir)
    _point_current_at(data_dir, build_dir)
    index.backend.publish()
    _remove_old_builds(data_dir, keep=build_dir)
    index.build_name = build_dir.name
    index.delta = None


def estimated_bytes(index: CorpusIndex, delta: Delta | None = None) -> int:
    """About what saving `index` writes (float32 vectors, the rows, BM25, texts): the whole build, or
    with a `delta` only its segment and BM25."""
    dimension = index.manifest.fingerprint.model.dimension
    chunk_text = index.chunks.text_chars()  # characters: bytes for English text
    bm25 = int(2.0 * chunk_text)  # BM25 (1.4x) and the chunks' token ids (index/lexical.py)
    if delta is not None:
        segment = delta.segment
        if segment is None:
            return bm25
        rows = len(segment.chunk_spans) + len(segment.sentence_spans)
        return bm25 + len(segment.document.text.encode("utf-8")) + rows * (4 * dimension + 20) + 1000
    vectors = (len(index.chunks) + len(index.sentences)) * 4 * dimension
    added = sum(len(index.documents[d].text.encode("utf-8")) + 300 for d in index.added_ids)
    return chunk_text + 100 * len(index.chunks) + 75 * len(index.sentences) + vectors + bm25 + added


def remove_stale_builds(data_dir: Path) -> list[str]:
    """Remove what a crashed or failed write left (temporary builds, builds that are not current, link
    files). The caller holds the write lock, so no live writer's files are touched."""
    current = current_build_name(data_dir)
    if not data_dir.is_dir() or current is None:
        return []
    removed = []
    for path in data_dir.iterdir():
        stale_build = path.name.startswith("index-") and path.name != current and path.is_dir()
        stale_tmp = path.name.startswith(".index-") and path.name.endswith(".tmp")
        stale_link = path.name.startswith(f".{CURRENT}.") and path.name.endswith(".link")
        if path.is_symlink() and stale_link:
            path.unlink(missing_ok=True)
        elif (stale_build or stale_tmp) and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            continue
        removed.append(path.name)
    return removed


def _is_disk_full(exc: BaseException, data_dir: Path) -> bool:
    """ENOSPC / EDQUOT anywhere in the chain; FAISS reports it as a RuntimeError naming strerror."""
    seen = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(text in str(seen) for text in (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT))):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def current_build_name(data_dir: Path) -> str | None:
    link = data_dir / CURRENT
    return os.readlink(link) if link.is_symlink() else None


def load_added(data_dir: Path) -> dict[str, Document]:
    """The documents added at run time, kept inside the current build (none when there is no index):
    those folded into its base (added/) and those in segments since."""
    folder = data_dir / CURRENT / ADDED_DIR
    added = load_corpus(folder, allow_empty=True) if folder.is_dir() else {}
    segments = data_dir / CURRENT / SEGMENTS_DIR
    if segments.is_dir():
        try:
            for doc in (read_document(path) for path in sorted(segments.iterdir())):
                added[doc.id] = doc
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorruptError(f"an added document in {segments} is unreadable ({exc}); {REBUILD_HINT}") from exc
    return added


def read_manifest(data_dir: Path) -> Manifest:
    path = data_dir / CURRENT / MANIFEST
    if not (data_dir / CURRENT).exists():
        raise IndexMissingError(f"no index in {data_dir}; build it with `runri index build` (or `make index`)")
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index manifest {path} is unreadable ({exc}); {REBUILD_HINT}") from exc


def load_index(data_dir: Path, documents: dict[str, Document], expected: Fingerprint,
               added_ids: frozenset[str] = frozenset(), milvus=None, mapped_vectors: bool = False) -> CorpusIndex:
    """Load the current index and check it against the corpus and settings it must serve.
    `milvus`: the MilvusConfig to reach the collections of an index built with that backend.
    `mapped_vectors`: IVF vector files are memory-mapped, not read (index/dense.py)."""
    manifest = read_manifest(data_dir)
    reasons = manifest.stale_reasons(expected)
    if reasons:
        raise IndexStaleError(f"the index in {data_dir} is stale: {'; '.join(reasons)}. "
                              "Rebuild it with `runri index build` (or `make index`)")
    build_name = current_build_name(data_dir)
    directory = (data_dir / CURRENT).resolve()
    _check_files(directory, manifest)
    try:
        chunks = _read_chunk_rows(directory / CHUNKS, documents, directory)
        sentences = _read_sentence_rows(directory / SENTENCES)
        segments = [read_segment(directory / SEGMENTS_DIR / name) for name in manifest.segments]
        for segment in segments:  # segment chunks are cut from their own text: nothing to check
            chunks = chunks.extended(segment.document.id, segment.chunk_spans)
            sentences = sentences.extended(segment.document.id, segment.sentence_spans)
        if manifest.fingerprint.backend == "milvus":
            backend = _open_milvus(manifest, milvus, chunks, sentences)
        else:
            backend = FaissBackend.load(directory, chunks, sentences, documents,
                                        [(g.chunk_vectors, g.sentence_vectors) for g in segments], mapped_vectors)
        multilingual = None
        if manifest.fingerprint.multilingual_model is not None:
            multilingual = MultilingualVectors.load(directory, mapped_vectors)
            for segment in segments:
                if segment.multilingual_chunk_vectors is None or segment.multilingual_sentence_vectors is None:
                    raise ValueError(f"segment {segment.document.id} has no multilingual vectors")
                multilingual = multilingual.with_added(segment.multilingual_chunk_vectors,
                                                       segment.multilingual_sentence_vectors)
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:
        raise IndexCorruptError(f"index in {directory} is corrupt ({exc}); {REBUILD_HINT}") from exc
    counts = {"chunks": len(chunks), "sentences": len(sentences), **backend.counts(), "documents": len(documents),
              **(multilingual.counts() if multilingual is not None else {})}
    mismatched = {k: (v, manifest.counts.get(k)) for k, v in counts.items() if manifest.counts.get(k) != v}
    if mismatched:
        raise IndexCorruptError(f"index in {directory} is inconsistent: {mismatched} (found, manifest); "
                                f"{REBUILD_HINT}")
    return CorpusIndex(manifest, documents, chunks, sentences, backend, added_ids, build_name,
                       multilingual=multilingual)


def _open_milvus(manifest: Manifest, config, chunks: ChunkRows, sentences: SentenceRows):
    from index.milvus import MilvusBackend

    if config is None:
        raise ValueError("the index lives in Milvus but no Milvus connection is configured (RUNRI_BACKEND=milvus)")
    return MilvusBackend.open(config, manifest.collections, chunks, sentences, manifest.dense_kind)


def _check_files(directory: Path, manifest: Manifest) -> None:
    actual = _file_sizes(directory)
    for name, size in manifest.files.items():
        if actual.get(name) != size:
            found = "missing" if name not in actual else f"{actual[name]} bytes"
            raise IndexCorruptError(f"index file {directory / name} is {found}, the manifest says {size} bytes; "
                                    f"{REBUILD_HINT}")


def _read_chunk_rows(path: Path, documents: dict[str, Document], directory: Path) -> ChunkRows:
    """The base chunk rows, each checked against its document's text as it is read (the stored text is
    then dropped: a chunk's text is cut from its document on access)."""
    doc_ids, starts, ends = [], array("i"), array("i")
    for position, row in enumerate(_iter_jsonl(path)):
        doc = documents.get(row["doc_id"])
        if row["id"] != position or doc is None or doc.text[row["start"]:row["end"]] != row["text"]:
            raise IndexCorruptError(f"chunk {row['id']} in {directory} no longer matches {row['doc_id']}; "
                                    f"{REBUILD_HINT}")
        doc_ids.append(doc.id)
        starts.append(row["start"])
        ends.append(row["end"])
    return ChunkRows.from_spans(doc_ids, starts, ends, documents=documents)


def _read_sentence_rows(path: Path) -> SentenceRows:
    doc_ids, starts, ends = [], array("i"), array("i")
    for position, row in enumerate(_iter_jsonl(path)):
        if row["id"] != position:
            raise ValueError(f"sentence row {position} has id {row['id']}")
        doc_ids.append(sys.intern(row["doc_id"]))
        starts.append(row["start"])
        ends.append(row["end"])
    return SentenceRows.from_spans(doc_ids, starts, ends)


def _point_current_at(data_dir: Path, build_dir: Path) -> None:
    current = data_dir / CURRENT
    if current.exists() and not current.is_symlink():
        raise IndexCorruptError(f"{current} is a real directory, not the link this service manages; "
                                "move it away and build again")
    link = data_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}.link"
    os.symlink(build_dir.name, link)
    os.replace(link, current)
    _fsync_dir(data_dir)


def _remove_old_builds(data_dir: Path, keep: Path) -> None:
    for path in data_dir.iterdir():
        stale_build = path.name.startswith("index-") and path != keep
        stale_tmp = path.name.startswith(".index-") and path.name.endswith(".tmp")
        if (stale_build or stale_tmp) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def _file_sizes(directory: Path) -> dict[str, int]:
    return {str(p.relative_to(directory)): p.stat().st_size
            for p in sorted(directory.rglob("*")) if p.is_file() and p.name != MANIFEST}


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _iter_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _fsync_tree(directory: Path, files: list[Path] | None = None) -> None:
    """Every file (or only `files`), then every folder, so new entries and links are durable too."""
    for path in directory.rglob("*") if files is None else files:
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for folder in [p for p in directory.rglob("*") if p.is_dir()] + [directory]:
        _fsync_dir(folder)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
