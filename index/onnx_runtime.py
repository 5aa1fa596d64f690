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
import uuid
import warnings
from pathlib import Path

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def supports(model) -> bool:
    """A transformer, then mean pooling, then normalisation: what this runner reproduces."""
    names = [type(module).__name__ for module in model]
    if names != ["Transformer", "Pooling", "Normalize"]:
        return False
    pooling = model[1]
    return getattr(pooling, "pooling_mode", None) == "mean" or bool(getattr(pooling, "pooling_mode_mean_tokens", False))


class OnnxTransformer:
    def __init__(self, model, cache_dir: Path, threads: int = 1) -> None:
        import onnxruntime as ort

        self._model = model  # kept for its tokenizer (`preprocess`), so tokens match torch exactly
        path = _exported(model, cache_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]

    def embed(self, texts: list[str]) -> np.ndarray:
        features = self._model.preprocess(texts)
        feeds = {name: features[name].numpy().astype(np.int64) for name in self._inputs}
        hidden = self._session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return np.ascontiguousarray(pooled / norms, dtype=np.float32)


def _exported(model, cache_dir: Path) -> Path:
    import torch

    transformer = model[0].auto_model
    key = hashlib.sha256((transformer.config.to_json_string() + torch.__version__).encode()).hexdigest()[:16]
    path = cache_dir / f"transformer-{key}.onnx"
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    sample = model.preprocess(["an example question"])
    tmp = cache_dir / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    wrapper = _LastHiddenState(transformer).eval()
    names = [n for n in INPUTS if n in sample]
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shapes: the axes are declared dynamic
        torch.onnx.export(wrapper, tuple(sample[n] for n in names), str(tmp), input_names=names,
                          output_names=["hidden"], opset_version=17, dynamo=False,
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]})
    os.replace(tmp, path)
    return path


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
