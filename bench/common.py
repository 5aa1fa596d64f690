"""Shared helpers for the benchmarks: machine description, percentiles, RSS, results files and a
loopback server that the HTTP and start-up benchmarks start and stop themselves."""

from __future__ import annotations

import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = REPO_ROOT / "bench" / "results"
EVAL_DIR = REPO_ROOT / "eval"
VENV_BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"  # never another address: the benchmarks only ever talk to themselves


# ---------------------------------------------------------------- inputs

def questions() -> list[str]:
    """The 118 gold questions, in file order (distinct, so a query-cache miss is real)."""
    rows = [json.loads(line) for line in (EVAL_DIR / "questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row["question"] for row in rows]


def multilingual_questions(lang: str) -> list[str]:
    """The Chinese ("zh") or Japanese ("ja") questions of the multilingual gold set."""
    path = EVAL_DIR / "questions_multilingual.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows if row["lang"] == lang]


def quotes() -> list[str]:
    rows = [json.loads(line) for line in (EVAL_DIR / "quotes.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row["text"] for row in rows]


# ---------------------------------------------------------------- statistics

def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy so the load generator stays light."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(position), math.ceil(position)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo)


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    """{n, mean, p50, p95, p99, max} in milliseconds from samples in seconds."""
    ms = [s * 1000 for s in samples_s]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "mean": round(sum(ms) / len(ms), 3), "p50": round(percentile(ms, 50), 3),
            "p95": round(percentile(ms, 95), 3), "p99": round(percentile(ms, 99), 3), "max": round(max(ms), 3)}


# ---------------------------------------------------------------- machine and config

def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal:")), 0)
    load = _read("/proc/loadavg").split()[:3]
    return {"nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)), "cpu_model": cpu,
            "ram_gb": round(mem_kb / 1024 ** 2, 1), "loadavg_at_start": [float(x) for x in load],
            "python": platform.python_version(), "platform": platform.platform(), "libraries": _versions()}


def config() -> dict[str, Any]:
    """Every setting the run used (from RUNRI_* and the defaults), as JSON-safe values."""
    from service.settings import Settings

    return json.loads(Settings().model_dump_json())


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("torch", "sentence-transformers", "faiss-cpu", "bm25s", "numpy", "fastapi", "uvicorn", "httpx"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def write_result(name: str, payload: dict[str, Any], out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"benchmark": name, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
            "config": config(), **payload}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(body, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 10 else f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- memory and CPU of a process tree

def rss_mb(pid: int | None = None) -> float:
    """VmRSS of one process in MiB (0 when it is gone)."""
    for line in _read(f"/proc/{pid or 'self'}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_parts_mb(pid: int | None = None) -> dict[str, float]:
    """VmRSS split as the kernel counts it: RssAnon (the process's own memory) and RssFile (pages of
    mapped files, such as memory-mapped vector files: page cache the kernel can drop and read again)."""
    parts = {}
    for line in _read(f"/proc/{pid or 'self'}/status").splitlines():
        if line.startswith(("RssAnon:", "RssFile:", "RssShmem:")):
            name, kb = line.split()[:2]
            parts[name.rstrip(":").lower()] = round(int(kb) / 1024)
    return parts


def peak_rss_mb(pid: int | None = None) -> float:
    for line in _read(f"/proc/{pid or 'self'}/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM (Linux: write 5 to clear_refs); False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (uvicorn --workers N forks children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _read(f"/proc/{entry.name}/stat")
            if stat:
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def tree_rss_mb(pid: int) -> float:
    return round(sum(rss_mb(p) for p in process_tree(pid)), 1)


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process tree (children that are still alive)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in process_tree(pid):
        stat = _read(f"/proc/{p}/stat")
        if stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


# ---------------------------------------------------------------- a server on loopback

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def server_command(port: int, workers: int = 1, use_cli: bool = False, nodelay_fix: bool = True) -> list[str]:
    """`runri serve` (what users run) or uvicorn with the app factory (needed for --workers). With
    more than one worker, `nodelay_fix` runs uvicorn through bench.uvicorn_nodelay (see there: plain
    `uvicorn --workers N` leaves Nagle on and adds ~40 ms to keep-alive requests)."""
    if use_cli:
        return [str(VENV_BIN / "runri"), "serve", "--host", LOOPBACK, "--port", str(port)]
    launcher = "bench.uvicorn_nodelay" if nodelay_fix and workers > 1 else "uvicorn"
    return [sys.executable, "-m", launcher, "service.api.app:create_app", "--factory", "--host", LOOPBACK,
            "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, started: float, log: Path) -> None:
        self.proc, self.port, self.started, self.log = proc, port, started, log
        self.url = f"http://{LOOPBACK}:{port}"
        self.ready_s: float | None = None
        self.alive_s: float | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextmanager
def serve(workers: int = 1, use_cli: bool = False, env: dict[str, str] | None = None, ready_timeout: float = 180,
          confirm_ready: int = 1, nodelay_fix: bool = True) -> Iterator[Server]:
    """Start a server on a free loopback port, wait for GET /readyz 200 (`confirm_ready` times in a row,
    each on a fresh connection so that every worker is asked), yield it, then stop it."""
    import httpx

    port = free_port()
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / f"server-{port}.log"
    started = time.perf_counter()
    with log.open("wb") as log_file:
        proc = subprocess.Popen(server_command(port, workers, use_cli, nodelay_fix), cwd=REPO_ROOT, stdout=log_file,
                                stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True)
    server = Server(proc, port, started, log)
    try:
        in_a_row = 0
        deadline = started + ready_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode} before /readyz; log:\n"
                                   + log.read_text(errors="replace")[-3000:])
            if time.perf_counter() > deadline:
                raise TimeoutError(f"/readyz not 200 within {ready_timeout} s; log:\n"
                                   + log.read_text(errors="replace")[-3000:])
            try:
                r = httpx.get(server.url + "/readyz", timeout=5, headers={"connection": "close"})
                if server.alive_s is None:
                    server.alive_s = time.perf_counter() - started
                if r.status_code == 200:
                    in_a_row += 1
                    if server.ready_s is None:
                        server.ready_s = time.perf_counter() - started
                    if in_a_row >= confirm_ready:
                        break
                    continue
                in_a_row = 0
            except httpx.TransportError:
                in_a_row = 0
            time.sleep(0.01)
        yield server
    finally:
        stop(proc)
        log.unlink(missing_ok=True)


def stop(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM the server (and the workers it forked, same session), SIGKILL after a grace period."""
    import signal

    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
