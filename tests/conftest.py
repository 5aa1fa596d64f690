"""Shared fixtures.

- The real thing, for end-to-end tests: one index over the five seed articles, built with the real
  model (loaded once per process) and kept between runs: `settings`, `engine`, `client`, and
  `live_server` (the same app served by uvicorn on a free local port).
- The small thing, for unit tests where the model is not the point: the three-article corpus in
  tests/data/three_articles with the deterministic `HashingEmbedder`, built in milliseconds:
  `small_settings`, `small_engine`, `small_client`. `small_real_settings` is the same corpus built
  with the real model, for rebuilds and the CLI, where the product loads the model itself.
- `copy_index`: a private copy of any of these indexes (with the suite's token) to write to or break.
"""

from __future__ import annotations

import os

# ranx compiles its metrics with numba on first use: 10-50 s on 2 cores, for a hundred queries that the
# same code, uncompiled, scores in a second (tests/eval/test_metrics_vs_ranx.py). Set before anything
# imports numba (bm25s does), so every function is plain Python alike.
os.environ.setdefault("NUMBA_DISABLE_JIT", "1")
# The suite runs in as many processes as there are cores (pytest-xdist): a build from the command line
# inside it gets one thread, not every core (`runri index build`'s default), or the processes fight.
os.environ.setdefault("RUNRI_BUILD_THREADS", "1")

import shutil  # noqa: E402 (after the environment above)
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from filelock import FileLock
from hypothesis import settings as hypothesis_settings

from service.api.app import create_app
from service.engine import Engine
from service.index_lifecycle import build, embedder_for, index_status
from service.settings import REPO_ROOT, Settings
from tests.hashing_embedder import MODEL_DIR, HashingEmbedder
from tests.support import settings_over_copy

SEEDS = REPO_ROOT / "seeds"
SHARED_SEEDS = REPO_ROOT.parent / "shared" / "seeds"
THREE_ARTICLES = Path(__file__).parent / "data" / "three_articles"
TEST_INDEX = REPO_ROOT / ".cache" / "test-index"
SMALL_CHUNKS = {"chunk_size": 200, "chunk_overlap": 40}  # a few sentences per chunk: 3-4 chunks an article

# Property tests draw the same examples on every run (a failure is reproduced by running it again),
# and never replay examples saved by an earlier run.
hypothesis_settings.register_profile("runri", derandomize=True, database=None, deadline=None)
hypothesis_settings.load_profile("runri")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The seed corpus, its index kept in .cache/test-index between runs: it is rebuilt only when its
    fingerprint (articles, model, chunking) no longer matches, which saves a 15-30 s build per run.
    The suite runs in several processes (pytest-xdist): one builds while the others wait on the lock.
    Nothing writes to it: tests that write or break an index work on a `copy_index`."""
    settings = Settings(data_dir=TEST_INDEX, seeds_dir=SEEDS)
    TEST_INDEX.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(TEST_INDEX.parent / "test-index.lock"):
        if not index_status(settings).fresh:
            build(settings, force=True)
    return settings


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    index, _ = build(settings)
    return Engine(settings, index, embedder_for(settings))


@pytest.fixture(scope="session")
def client(settings: Settings, engine: Engine) -> TestClient:
    with TestClient(create_app(settings, engine)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(settings: Settings, engine: Engine) -> str:
    """The session's app on a real socket, bound here so no other process can take the port between
    pick and bind. Read-only requests only: it serves the shared engine."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start", pytrace=False)
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture(scope="session")
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def small_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The three-article corpus, fingerprinted with the hashing embedder (never the real model)."""
    return Settings(data_dir=tmp_path_factory.mktemp("small-data"), seeds_dir=THREE_ARTICLES,
                    model_path=MODEL_DIR, **SMALL_CHUNKS)


@pytest.fixture(scope="session")
def small_engine(small_settings: Settings, hashing_embedder: HashingEmbedder) -> Engine:
    index, _ = build(small_settings, embedder=hashing_embedder)
    return Engine(small_settings, index, hashing_embedder)


@pytest.fixture(scope="session")
def small_client(small_settings: Settings, small_engine: Engine) -> TestClient:
    with TestClient(create_app(small_settings, small_engine)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def small_real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The three-article corpus built with the real model (about a second once the model is loaded)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("small-real-data"), seeds_dir=THREE_ARTICLES,
                        **SMALL_CHUNKS)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def copy_index(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Settings]:
    """`copy_index(settings, **overrides)`: settings over a fresh copy of that built index, with the
    suite's token (tests.support.TOKEN). The one way a test gets an index it may write to or break."""
    def copy(settings: Settings, **overrides) -> Settings:
        return settings_over_copy(settings, tmp_path_factory.mktemp("index-copy") / "data", **overrides)
    return copy


@pytest.fixture
def small_seeds(tmp_path: Path) -> Path:
    """A one-article copy of the corpus that tests may edit (builds in ~1 s with the real model)."""
    target = tmp_path / "seeds"
    target.mkdir()
    shutil.copy(SEEDS / "003_f119616ee21580a0.txt", target)
    return target


@pytest.fixture
def three_articles(tmp_path: Path) -> Path:
    """A copy of the three-article corpus that tests may edit."""
    return Path(shutil.copytree(THREE_ARTICLES, tmp_path / "three_articles"))


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch):
    """`cli_env(settings)`: point `runri` (which reads RUNRI_* once per process) at these settings."""
    from service.settings import get_settings

    def point_at(settings: Settings) -> None:
        for name in ("data_dir", "seeds_dir", "model_path", "chunk_size", "chunk_overlap"):
            value = getattr(settings, name)
            if value is not None:
                monkeypatch.setenv(f"RUNRI_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield point_at
    get_settings.cache_clear()
