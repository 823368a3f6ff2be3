"""Keep the harness's memory in bounds when one process certifies block after block.

- ``limit_malloc_arenas``: glibc gives every thread that allocates its own malloc arena (up to
  eight per core), and memory freed in one is not reused by another; two arenas hold the same
  work in less resident memory. ``MALLOC_ARENA_MAX`` does the same for child processes.
- ``release_memory``: between blocks, empty the process-wide caches Schemathesis fills per
  schema (its compiled validators hold tens of MB that the next block's spec cannot use), then
  collect and hand freed pages back to the system.

All of it is best effort: on another C library, or another Schemathesis, nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib
import os
from collections.abc import Mapping

ARENAS = 2
_M_ARENA_MAX = -8  # mallopt parameter number in glibc's malloc.h


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    if not hasattr(library, "mallopt") or not hasattr(library, "malloc_trim"):
        return None  # not glibc
    return library


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Limit this process's malloc arenas; call before threads start. True when it applied."""
    library = _libc()
    return bool(library is not None and library.mallopt(_M_ARENA_MAX, arenas) == 1)


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process, with its malloc arenas limited (unless set)."""
    env = dict(os.environ if base is None else base)
    env.setdefault("MALLOC_ARENA_MAX", str(ARENAS))
    return env


def _clear_schemathesis_caches() -> None:
    try:
        caches = importlib.import_module("schemathesis.specs.openapi._caches")
    except ImportError:
        return
    clear = getattr(caches, "clear_all", None)
    if callable(clear):
        clear()


def release_memory() -> None:
    """Between runs (never during one): drop generation caches, collect, trim the heap."""
    _clear_schemathesis_caches()
    gc.collect()
    library = _libc()
    if library is not None:
        library.malloc_trim(0)
