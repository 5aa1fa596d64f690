"""Give the heap pages that building an engine freed back to the system.

Building an engine derives something from every article once (normalized, tokenized, scanned for
names) and frees it again. glibc keeps most freed pages of mid-sized blocks, so the served process
went on holding them as if they were in use: 63 of the 87 MB that building the phrase index added at
100k chunks. `malloc_trim(0)` returns them. Elsewhere (no glibc) this does nothing.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc's, already loaded in this process
    except (AttributeError, OSError):
        return None


def release_free_memory() -> bool:
    """Whether freed heap pages could be handed back (False where the C library cannot)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
