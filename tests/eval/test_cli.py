"""`runri eval` hands its arguments to `python -m eval` without the service importing the eval."""

from __future__ import annotations

import os
import subprocess
import sys

from service.settings import REPO_ROOT


def _runri(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_runri_eval_help_is_the_evals_own() -> None:
    done = _runri("eval", "--help")
    assert done.returncode == 0, done.stderr
    assert "--update-baseline" in done.stdout and "--report" in done.stdout


def test_runri_eval_refuses_an_unknown_flag_by_name() -> None:
    done = _runri("eval", "--bogus")
    assert done.returncode == 2
    assert "unrecognized arguments: --bogus" in done.stderr
