"""Milvus backend: chunks and sentences in two Milvus collections, one row per chunk or sentence.

Each row holds the dense vector, the BM25 terms (Milvus' built-in BM25 function fills a sparse
field from them; a SPARSE_INVERTED_INDEX ranks it) and the scalar fields every filter needs
(doc_id, publication, date), so a filter is a boolean expression Milvus evaluates, not a mask
applied afterwards. The BM25 field holds our own tokens (stemmed, numbers without separators, CJK
characters and bigrams, see index/lexical.py), joined by spaces, so Milvus ranks on the same terms
as bm25s with the same k1 and b.

Primary keys are a hash of (doc_id, start, end): stable across live writes, which renumber rows,
so a result maps back to the chunk it names in this snapshot; a key this snapshot does not know (a
row a concurrent write just added) is skipped.

A full build writes new collections `{prefix}_{chunks|sentences}_{tag}` and, once the build directory
is current, points the aliases `{prefix}_chunks` / `{prefix}_sentences` at them: a reader of the
alias sees the old index or the new one, never half. The previous generation is kept (engines still
serving it keep working) and older ones are dropped. Live adds are upserts, removals are deletes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.backend import Hit, Scope
from index.corpus import Document
from index.dense import IvfParams
from index.lexical import tokenize

KINDS = ("chunks", "sentences")
_BATCH = 2000
_MAX_TERMS_BYTES = 65_535
_TIE_SLACK = 16
BM25_K1, BM25_B = 1.5, 0.75  # bm25s' defaults, so both backends rank BM25 identically
_EMPTY_TERMS = "_"  # bm25s' placeholder for a text without tokens; never a query token
log = logging.getLogger("runri.milvus")


@dataclass(frozen=True)
class MilvusConfig:
    uri: str
    token: str | None = None
    db_name: str = "default"
    prefix: str = "runri"
    approximate_threshold: int = 50_000
    ivf: IvfParams = IvfParams()

    @property
    def is_lite(self) -> bool:
        """A local file: Milvus Lite, embedded in this process."""
        return "://" not in self.uri

    def alias(self, kind: str) -> str:
        return f"{self.prefix}_{kind}"


@lru_cache(maxsize=8)
def connect(uri: str, token: str | None, db_name: str):
    """One client per (uri, token, database) per process; Milvus Lite opens its file once."""
    from pymilvus import MilvusClient

    if "://" not in uri:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    client = MilvusClient(uri=uri, token=token or "")
    if db_name != "default":
        if db_name not in client.list_databases():
            client.create_database(db_name)
        client.use_database(db_name)
    return client


def client_for(config: MilvusConfig):
    return connect(config.uri, config.token, config.db_name)


def row_key(doc_id: str, start: int, end: int) -> int:
    """A stable 63-bit primary key for one span of one document."""
    digest = hashlib.blake2b(f"{doc_id}\0{start}\0{end}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & (2**63 - 1)


def bm25_terms(text: str) -> str:
    """Our tokens as one space-separated string of word characters: both Milvus Lite's `standard`
    analyzer (\\w+, lower-case) and a server's `whitespace` one read back exactly these tokens."""
    terms, size = [], 0
    for token in tokenize(text):
        token = token.replace(".", "_")  # "45.4" stays one token under \w+
        size += len(token.encode()) + 1
        if size > _MAX_TERMS_BYTES:
            break
        terms.append(token)
    return " ".join(terms)


def filter_expression(scope: Scope | None) -> str:
    """A Milvus boolean expression for `scope` ("" = everything). Strings are JSON-quoted."""
    if scope is None:
        return ""
    parts = []
    if scope.doc_ids is not None:
        parts.append(f"doc_id in {json.dumps(sorted(scope.doc_ids), ensure_ascii=False)}")
    if scope.publication_key is not None:
        parts.append(f"publication == {json.dumps(scope.publication_key, ensure_ascii=False)}")
    dated = []
    if scope.date_from is not None:
        dated.append(f'date >= "{scope.date_from.isoformat()}"')
    if scope.date_to is not None:
        dated.append(f'date <= "{scope.date_to.isoformat()}"')
    if dated:
        in_range = " and ".join(['date != ""', *dated])
        parts.append(f'(date == "" or ({in_range}))' if scope.include_undated else in_range)
    return " and ".join(parts)


def _rows(spans: Iterable, documents: Mapping[str, Document], vectors: np.ndarray) -> Iterable[dict]:
    for span, vector in zip(spans, vectors):
        doc = documents[span.doc_id]
        yield {"id": row_key(span.doc_id, span.start, span.end), "doc_id": span.doc_id,
               "publication": (doc.publication or "").casefold(), "date": doc.date.isoformat() if doc.date else "",
               "start": span.start, "end": span.end,
               "terms": bm25_terms(doc.text[span.start:span.end]) or _EMPTY_TERMS,
               "vector": vector.tolist()}


def _schema(client, dimension: int, analyzer: dict):
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=128)
    schema.add_field("publication", DataType.VARCHAR, max_length=1024)
    schema.add_field("date", DataType.VARCHAR, max_length=10)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    schema.add_field("terms", DataType.VARCHAR, max_length=_MAX_TERMS_BYTES, enable_analyzer=True,
                     analyzer_params=analyzer)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))
    return schema


def _index_params(client, rows: int, config: MilvusConfig):
    params = client.prepare_index_params()
    if rows > config.approximate_threshold:
        nlist = max(1, int(config.ivf.nlist_per_sqrt_n * math.sqrt(rows)))
        params.add_index(field_name="vector", index_type="IVF_FLAT", metric_type="IP", params={"nlist": nlist})
    else:
        params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
    params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
    params.add_index(field_name="doc_id", index_type="INVERTED")
    return params


def create_collection(client, name: str, dimension: int, rows: int, config: MilvusConfig) -> None:
    """A collection for `rows` vectors: exact (FLAT) up to the threshold, IVF above it, like FAISS.
    A server gets the `whitespace` analyzer; Milvus Lite only has `standard`, which reads our
    space-joined word tokens the same way."""
    analyzers = [{"tokenizer": "standard"}] if config.is_lite else [{"tokenizer": "whitespace"},
                                                                     {"tokenizer": "standard"}]
    for i, analyzer in enumerate(analyzers):
        try:
            client.create_collection(name, schema=_schema(client, dimension, analyzer))
            break
        except Exception as exc:  # an older server without the whitespace tokenizer
            if i == len(analyzers) - 1 or "tokenizer" not in str(exc):
                raise
            log.info("whitespace analyzer refused (%s); using standard", exc)
    # pymilvus waits for each index by sleeping 0.5 s before its first look (3 s per build for two
    # empty collections); the indexes of an empty collection are ready at once, so ask sooner.
    client.create_index(name, _index_params(client, rows, config), sync=False)
    _wait_for_indexes(client, name)


def _wait_for_indexes(client, name: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    pending = set(client.list_indexes(name))
    while pending:
        states = {index: client.describe_index(name, index) for index in pending}
        failed = {index: d.get("index_state_fail_reason", "") for index, d in states.items() if d["state"] == "Failed"}
        if failed:
            raise RuntimeError(f"Milvus failed to build the indexes of {name}: {failed}")
        pending = {index for index, d in states.items() if d["state"] != "Finished"}
        if pending and time.monotonic() > deadline:
            raise TimeoutError(f"Milvus did not build the indexes {sorted(pending)} of {name} in {timeout_s:.0f} s")
        if pending:
            time.sleep(0.01)


def insert(client, name: str, spans: Sequence, documents: Mapping[str, Document], vectors: np.ndarray,
           upsert: bool = False, progress=None) -> None:
    write = client.upsert if upsert else client.insert
    batch: list[dict] = []
    for row in _rows(spans, documents, vectors):
        batch.append(row)
        if len(batch) == _BATCH:
            write(name, batch)
            if progress is not None:
                progress(len(batch))
            batch = []
    if batch:
        write(name, batch)
        if progress is not None:
            progress(len(batch))


def write_new_collections(config: MilvusConfig, documents: Mapping[str, Document], chunks: Sequence,
                          sentences: Sequence, chunk_matrix: np.ndarray, sentence_matrix: np.ndarray
                          ) -> dict[str, str]:
    """Fresh collections for a full build (not yet visible through the aliases)."""
    client = client_for(config)
    tag = uuid.uuid4().hex[:10]
    names = {}
    for kind, spans, matrix in (("chunks", chunks, chunk_matrix), ("sentences", sentences, sentence_matrix)):
        name = f"{config.prefix}_{kind}_{tag}"
        create_collection(client, name, matrix.shape[1], len(spans), config)
        insert(client, name, spans, documents, matrix)
        client.flush(name)
        client.load_collection(name)
        names[kind] = name
    return names


def point_aliases(config: MilvusConfig, names: Mapping[str, str]) -> None:
    """Switch each alias to its new collection, keep the one it replaced, drop older generations."""
    client = client_for(config)
    for kind, name in names.items():
        alias = config.alias(kind)
        previous = _aliased(client, alias)
        if previous == name:
            continue
        if previous is None:
            client.create_alias(name, alias)
        else:
            client.alter_alias(name, alias)
        keep = {name, previous}
        for stale in client.list_collections():
            if stale.startswith(f"{alias}_") and stale not in keep:
                client.drop_collection(stale)


def _aliased(client, alias: str) -> str | None:
    if alias not in client.list_aliases().get("aliases", []):
        return None
    return client.describe_alias(alias).get("collection_name")


class MilvusBackend:
    """Searches one index snapshot's collections and maps results back to its rows."""

    kind = "milvus"

    def __init__(self, config: MilvusConfig, names: Mapping[str, str], chunks: Sequence, sentences: Sequence,
                 dense_kind: str = "flat", nprobe: int = 16, pending_deletes: frozenset[str] = frozenset(),
                 publish_names: bool = False) -> None:
        self.config = config
        self.names = dict(names)
        self.dense_kind = dense_kind
        self.nprobe = nprobe
        self._client = client_for(config)
        self._chunk_rows = {row_key(c.doc_id, c.start, c.end): c.id for c in chunks}
        self._sentence_keys = [row_key(s.doc_id, s.start, s.end) for s in sentences]
        self._sentence_rows = {key: i for i, key in enumerate(self._sentence_keys)}
        self._pending_deletes = pending_deletes
        self._publish_names = publish_names

    @classmethod
    def open(cls, config: MilvusConfig, names: Mapping[str, str], chunks: Sequence, sentences: Sequence,
             dense_kind: str) -> MilvusBackend:
        """The collections a manifest names, loaded, and checked to hold at least this snapshot's rows
        (a write interrupted between Milvus and the build swap can leave extra rows; never returned)."""
        client = client_for(config)
        missing = [name for name in names.values() if not client.has_collection(name)]
        if missing or set(names) != set(KINDS):
            raise ValueError(f"Milvus at {config.uri} lacks the collections {missing or dict(names)}")
        for name in names.values():
            client.load_collection(name)
        backend = cls(config, names, chunks, sentences, dense_kind)
        stored = backend.stored_counts()
        if stored["chunks"] < len(chunks) or stored["sentences"] < len(sentences):
            raise ValueError(f"Milvus holds {stored} rows, fewer than the manifest's chunks and sentences")
        return backend

    def _search(self, kind: str, data, field: str, k: int, expression: str, rows: dict[int, int],
                params: dict, scale: float = 1.0) -> list[Hit]:
        if k <= 0:
            return []
        # A few more than k, so ties at the cut are broken like FAISS and bm25s do: lower row first.
        result = self._client.search(self.names[kind], data=[data], anns_field=field, limit=k + _TIE_SLACK,
                                     filter=expression, output_fields=[], search_params=params)
        # BM25 distances are negated by Milvus Lite and positive on a server: abs() reads both.
        hits = [Hit(rows[hit["id"]], abs(float(hit["distance"])) * scale) for hit in result[0] if hit["id"] in rows]
        return sorted(hits, key=lambda h: (-round(h.score, 5), h.row))[:k]

    def dense(self, vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]:
        params = {"metric_type": "IP", "params": {"nprobe": self.nprobe}}
        return self._search("chunks", np.asarray(vector, np.float32).tolist(), "vector", k,
                            filter_expression(scope), self._chunk_rows, params)

    def lexical(self, query: str, k: int, scope: Scope | None = None) -> list[Hit]:
        terms = bm25_terms(query)
        if not terms:
            return []
        # Milvus scores carry BM25's (k1 + 1) factor, bm25s' do not: divided out, the scores match too.
        return self._search("chunks", terms, "sparse", k, filter_expression(scope), self._chunk_rows,
                            {"metric_type": "BM25"}, scale=1 / (BM25_K1 + 1))

    def sentence_rows(self, ids: Sequence[int]) -> np.ndarray:
        if not ids:
            return np.zeros((0, 0), np.float32)
        keys = [self._sentence_keys[i] for i in ids]
        found = self._client.query(self.names["sentences"], filter=f"id in {keys}", output_fields=["vector"])
        by_key = {row["id"]: row["vector"] for row in found}
        missing = [i for i, key in zip(ids, keys) if key not in by_key]
        if missing:
            raise LookupError(f"sentence rows {missing[:5]} are missing from {self.names['sentences']}")
        return np.asarray([by_key[key] for key in keys], dtype=np.float32)

    def similar_sentences(self, vector: np.ndarray, k: int) -> list[Hit]:
        return self._search("sentences", np.asarray(vector, np.float32).tolist(), "vector", k, "",
                            self._sentence_rows, {"metric_type": "IP", "params": {"nprobe": self.nprobe}})

    def counts(self) -> dict[str, int]:
        return {"chunk_vectors": len(self._chunk_rows), "sentence_vectors": len(self._sentence_keys)}

    def stored_counts(self) -> dict[str, int]:
        """Rows Milvus holds per collection (orphans of an interrupted write included)."""
        return {kind: int(self._client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"])
                for kind, name in self.names.items()}

    def set_nprobe(self, nprobe: int) -> None:
        self.nprobe = nprobe

    def save(self, directory: Path) -> None:
        return None  # everything is in Milvus already; the manifest records the collection names

    def publish(self) -> None:
        """After the build directory is current: deletes a removal deferred (so a crash before the
        swap leaves the document whole), and the aliases of a full build."""
        for doc_id in sorted(self._pending_deletes):
            for name in self.names.values():
                self._client.delete(name, filter=f"doc_id == {json.dumps(doc_id)}")
        self._pending_deletes = frozenset()
        if self._publish_names:
            point_aliases(self.config, self.names)
            self._publish_names = False

    def with_added(self, documents: Mapping[str, Document], chunks: Sequence, sentences: Sequence,
                   chunk_matrix: np.ndarray, sentence_matrix: np.ndarray) -> MilvusBackend:
        """Upsert the new rows (the last len(matrix) chunks and sentences; idempotent, since keys are
        stable) and return the next snapshot."""
        new_chunks = chunks[len(chunks) - len(chunk_matrix):]
        new_sentences = sentences[len(sentences) - len(sentence_matrix):]
        insert(self._client, self.names["chunks"], new_chunks, documents, chunk_matrix, upsert=True)
        insert(self._client, self.names["sentences"], new_sentences, documents, sentence_matrix, upsert=True)
        return MilvusBackend(self.config, self.names, chunks, sentences, self.dense_kind, self.nprobe)

    def without_document(self, doc_id: str, documents: Mapping[str, Document], chunks: Sequence,
                         sentences: Sequence, approximate_threshold: int = 0, ivf: IvfParams = IvfParams()
                         ) -> MilvusBackend:
        """The next snapshot without `doc_id`; its rows are deleted from Milvus at publish(), once the
        build that no longer lists it is current."""
        return MilvusBackend(self.config, self.names, chunks, sentences, self.dense_kind, self.nprobe,
                             pending_deletes=frozenset({doc_id}))
