"""Loaded first (`-p tests.bytecode` in pyproject.toml's addopts), before pytest imports its plugins.

Where PYTHONDONTWRITEBYTECODE is set (this machine sets it), every run compiled every module of the
project again, and pytest rewrote the asserts of ~640 plugin modules again: 7 of the 14 s a run spent
before its first test, and again in each subprocess a test starts. The suite writes its bytecode caches
whatever the variable says (into __pycache__/, which git ignores and `make clean` removes).
"""

import os
import sys

sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
