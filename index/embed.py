"""Embed stage: text -> L2-normalised vectors. The index only sees the one-method `Embedder` protocol.
Queries are embedded one at a time by the service (service/query_embedding.py)."""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from index.manifest import model_info


class Embedder(Protocol):
    """Anything that turns texts into normalised float32 row vectors of a fixed dimension."""

    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model directory), loaded from disk only.

    With ONNX Runtime (the default) and the model's export already in the cache, nothing of torch is
    loaded: a served process is about 450 MB smaller and starts about 5 s sooner. The
    sentence-transformers model (`_model`) is loaded on first use: to export, for the torch runtime,
    int8 or bfloat16, and by tests that compare against its `encode`.

    `compute="bfloat16"` (a full build's, RUNRI_BUILD_COMPUTE): every text goes through torch with
    bfloat16 matrix products. On a CPU with AMX that is 2.5x faster than ONNX float32 for build batches,
    for vectors within cosine 0.99995; a served process never makes one (its live writes stay float32)."""

    def __init__(self, model_path: Path, batch_size: int = 32, threads: int = 1, precision: str = "float32",
                 onnx_dir: Path | None = None, batch_threads: int | None = None,
                 compute: str = "float32") -> None:
        # Offline flags: the weights are local, never fetched.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not (model_path / "modules.json").exists():
            raise FileNotFoundError(f"no sentence-transformers model in {model_path}")
        if compute not in COMPUTE or (compute == "bfloat16" and precision != "float32"):
            raise ValueError(f"compute {compute!r} with precision {precision!r}")
        self._path, self._threads, self._st = model_path, threads, None
        self._batch_threads = batch_threads or threads
        self.compute = compute
        if compute == "bfloat16" and not native_bfloat16():
            import logging

            logging.getLogger("runri.embed").warning(
                "this CPU has no bfloat16 matrix units (AMX / AVX512-BF16): bfloat16 batches are emulated and "
                "slower than float32; unset RUNRI_BUILD_COMPUTE")
        self._load_lock = threading.Lock()
        self._tokenize_lock = threading.Lock()
        self.batch_size = batch_size
        self.name = model_path.name if model_path.name != "model" else model_path.parent.name
        self.precision = precision
        self.runtime = "torch"
        self._onnx = None
        if onnx_dir is not None and precision == "float32" and compute == "float32":  # bfloat16 runs on torch
            self._onnx = _onnx_or_none(self, model_path, onnx_dir, threads, batch_threads)
        if self._onnx is not None:
            self.runtime = "onnxruntime"
            self.dimension, self.max_tokens = model_info(model_path).dimension, _max_tokens(model_path)
        else:
            self.dimension = int(self._model.get_embedding_dimension())
            self.max_tokens = int(self._model.max_seq_length)

    @property
    def _model(self):
        """The sentence-transformers model, loaded once on first use (`import sentence_transformers`
        costs seconds and ~450 MB, so commands like `runri index status` never pay it)."""
        with self._load_lock:
            if self._st is None:
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                # One intra-op thread: a short query is too small to split, and on a busy 2-core machine
                # two OpenMP threads spin against each other (measured: 8.5 ms with 1 thread, 480 ms with 2).
                # A bfloat16 build runs one batch per build thread instead (`embed`), each on one core.
                torch.set_num_threads(1 if self.compute == "bfloat16" else self._threads)
                model = SentenceTransformer(str(self._path), device="cpu", local_files_only=True)
                self._st = _quantized(model) if self.precision == "int8" else model
            return self._st

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) <= self.batch_size:
            return self._run(texts, batch=False)
        # Many texts (a build): batches of similar length, so little of each batch is padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[start:start + self.batch_size] for start in range(0, len(texts), self.batch_size)]
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        if self.compute == "bfloat16" and self._batch_threads > 1:
            # One batch per thread, each on one core: 12 % faster than two OpenMP threads on one batch,
            # and every vector is the same whatever the number of threads (each batch's sums run in one
            # order), so a build reads the same on a 2-core laptop and a 64-core server with the same units.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self._batch_threads, thread_name_prefix="bfloat16-batch") as pool:
                for rows, batch in zip(batches, pool.map(lambda rows: self._run([texts[i] for i in rows], True),
                                                         batches)):
                    vectors[rows] = batch
            return vectors
        for rows in batches:
            vectors[rows] = self._run([texts[i] for i in rows], batch=True)
        return vectors

    def _run(self, texts: list[str], batch: bool) -> np.ndarray:
        if self.compute == "bfloat16":  # an embedder made for a build: every text it embeds, however few
            return self._forward(texts, bfloat16=True)
        return self._onnx.embed(texts, batch) if self._onnx is not None else self._forward(texts)

    def _forward(self, texts: list[str], bfloat16: bool = False) -> np.ndarray:
        """One batch straight through the model: `encode` spends ~1 ms per call walking the module
        tree, a tenth of a single question's cost. Same output (tested against `encode`).

        `bfloat16`: matrix products in bfloat16 with float32 accumulation (torch autocast); README,
        Benchmarks, "Build throughput"."""
        import torch

        with self._tokenize_lock:  # a fast tokenizer raises "Already borrowed" when two threads set its padding
            features = self._model.preprocess(texts)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            vectors = self._model(features)["sentence_embedding"].float()
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
        return np.ascontiguousarray(vectors.numpy(), dtype=np.float32)


COMPUTE = ("float32", "bfloat16")


def native_bfloat16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU multiplies bfloat16 matrices natively (AMX or AVX512-BF16): read from the
    kernel's CPU flags, without importing torch. Elsewhere bfloat16 is emulated and slower than float32."""
    try:
        with cpuinfo.open(encoding="utf-8") as lines:
            flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), [])
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def _max_tokens(model_path: Path) -> int:
    """sentence-transformers' max_seq_length, from the model's files (what its tokenizer truncates to)."""
    config = model_path / "sentence_bert_config.json"
    if config.exists():
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
        if value:
            return int(value)
    return int(json.loads((model_path / "config.json").read_text(encoding="utf-8")).get("max_position_embeddings", 512))


def _onnx_or_none(embedder: SentenceTransformerEmbedder, model_path: Path, onnx_dir: Path, threads: int,
                  batch_threads: int | None = None):
    """ONNX Runtime when it can reproduce this model, exporting it first if its file is not cached (that
    loads the model); otherwise torch, with the reason logged."""
    import logging

    from index import onnx_runtime

    if not onnx_runtime.supports_files(model_path):
        logging.getLogger("runri.embed").info("model pipeline not supported by the ONNX runner; using torch")
        return None
    try:
        path = onnx_runtime.export_path(model_path, onnx_dir)
        if not path.exists():
            onnx_runtime.export(embedder._model, path)
        return onnx_runtime.OnnxTransformer(model_path, path, _max_tokens(model_path), threads, batch_threads)
    except Exception as exc:  # a missing or broken onnxruntime must not stop the service: torch still works
        logging.getLogger("runri.embed").warning("ONNX Runtime unavailable (%s); using torch", exc)
        return None


def _quantized(model):
    """Linear layers as int8 with dynamic activation scales: the forward pass is ~2.5x faster on this CPU.
    Vectors move (cosine ~0.95 to float32 ones), so an int8 index is built with the int8 model."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


@lru_cache(maxsize=4)
def load_embedder(model_path: Path, batch_size: int = 32, threads: int = 1, precision: str = "float32",
                  onnx_dir: Path | None = None, batch_threads: int | None = None,
                  compute: str = "float32") -> SentenceTransformerEmbedder:
    """One model per configuration and process: the service, the CLI and the whole test session share it."""
    return SentenceTransformerEmbedder(model_path, batch_size, threads, precision, onnx_dir, batch_threads,
                                       compute)
