"""The same transformer run by ONNX Runtime: identical vectors (max |diff| ~2e-7 against torch on
the gold questions), about half the time per question on this CPU (4.7 ms against 9.9 ms). This lowers
the floor every /ask and /search pays, without touching the eval numbers.

The ONNX file is exported once from the packaged weights (no network) into a cache folder, keyed by the
model's config hash and the torch version, and written atomically so concurrent processes never read
half a file. Only mean pooling + normalisation (all-MiniLM-L6-v2's pipeline) is supported; any other
pipeline keeps torch.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Traced with the plain matmul-softmax attention: ONNX Runtime runs that graph ~17 % faster on build
# batches than the traced SDPA one (3.3 s against 4.0 s for 256 chunks, 2 threads; a question 3.4 against
# 3.7 ms), for hidden states within 3e-5 of it. The served torch model keeps its own attention.
EXPORT_ATTENTION = "eager"


def supports(model) -> bool:
    """A transformer, then mean pooling, then normalisation: what this runner reproduces."""
    names = [type(module).__name__ for module in model]
    if names != ["Transformer", "Pooling", "Normalize"]:
        return False
    pooling = model[1]
    return getattr(pooling, "pooling_mode", None) == "mean" or bool(getattr(pooling, "pooling_mode_mean_tokens", False))


class OnnxTransformer:
    """Two sessions over one exported file: queries run on `threads` (1: a short query is too small
    to split), build batches on `batch_threads` (RUNRI_BUILD_THREADS: every core for `runri index
    build`, one in a served process)."""

    def __init__(self, model, cache_dir: Path, threads: int = 1, batch_threads: int | None = None) -> None:
        self._model = model  # kept for its tokenizer (`preprocess`), so tokens match torch exactly
        self._path = _exported(model, cache_dir)
        self._threads, self._batch_threads = threads, batch_threads or threads
        self._session = _session(self._path, threads)
        self._batch_session = None
        self._lock = threading.Lock()
        self._inputs = [i.name for i in self._session.get_inputs()]

    def embed(self, texts: list[str], batch: bool = False) -> np.ndarray:
        features = self._model.preprocess(texts)
        feeds = {name: features[name].numpy().astype(np.int64) for name in self._inputs}
        hidden = (self._batches() if batch else self._session).run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return np.ascontiguousarray(pooled / norms, dtype=np.float32)


    def _batches(self):
        if self._batch_threads == self._threads:
            return self._session
        with self._lock:
            if self._batch_session is None:
                self._batch_session = _session(self._path, self._batch_threads)
            return self._batch_session


def _session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads > 1:  # idle workers sleep instead of spinning: on a shared machine spinning burns the other core
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _exported(model, cache_dir: Path) -> Path:
    import torch

    transformer = model[0].auto_model
    key = hashlib.sha256((transformer.config.to_json_string() + torch.__version__ + EXPORT_ATTENTION)
                         .encode()).hexdigest()[:16]
    path = cache_dir / f"transformer-{key}.onnx"
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    sample = model.preprocess(["an example question"])
    tmp = cache_dir / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    wrapper = _LastHiddenState(transformer).eval()
    names = [n for n in INPUTS if n in sample]
    with torch.inference_mode(), warnings.catch_warnings(), _attention(transformer, EXPORT_ATTENTION):
        warnings.simplefilter("ignore")  # tracer warnings about shapes: the axes are declared dynamic
        torch.onnx.export(wrapper, tuple(sample[n] for n in names), str(tmp), input_names=names,
                          output_names=["hidden"], opset_version=17, dynamo=False,
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]})
    os.replace(tmp, path)
    return path


@contextmanager
def _attention(transformer, implementation: str):
    """The model traced with `implementation`, then given back its own, so torch queries are unchanged."""
    before = transformer.config._attn_implementation
    transformer.set_attn_implementation(implementation)
    try:
        yield
    finally:
        transformer.set_attn_implementation(before)


class _LastHiddenState:
    """torch.nn.Module wrapper (built lazily so importing this module does not import torch)."""

    def __new__(cls, transformer):
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self, inner) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids=None):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        return Wrapper(transformer)
