"""How a process's garbage collector and allocator are set once it has started (every service,
every command).

Routing a batch, feeding a chunk of a caseload export or projecting a batch of events makes a few
hundred thousand short-lived objects, nearly all freed together when the batch is written. With
the default thresholds the collector runs thousands of times a batch and repeatedly walks every
long-lived object (modules, the rulebook, SQLAlchemy's caches); measured in the router, that was
a quarter of the process's CPU. Rarer young collections let most of a batch die before it is
ever walked, and what start-up built is moved out of the collector's sight. Reference cycles
are still collected.

What Python's small-object heap does not hold (SQLite's pages, event bytes, JSON text) comes from
glibc's malloc. Its defaults let a long-running service's memory creep: up to eight arenas a core,
each keeping its own free holes, and a mapping threshold raised each time a big block is freed, so
later per-batch buffers are carved from the heap and leave holes behind. Measured in the feed
benchmark (bench/feed.py, 100,000 rows, SQLite's own memory already capped), two arenas and a fixed
256 KiB threshold took the router's peak from 251 to 221 MiB, in the same time.
"""
from __future__ import annotations

import ctypes
import gc

YOUNG_THRESHOLD, OLDER_THRESHOLDS = 20_000, (20, 20)
MALLOC_ARENAS, MALLOC_MMAP_THRESHOLD = 2, 256 * 1024
_M_ARENA_MAX, _M_MMAP_THRESHOLD = -8, -3  # glibc's mallopt parameters (malloc.h)


def settle() -> None:
    """Call once start-up is done (everything imported, the rulebook compiled)."""
    tune_malloc()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def tune_malloc() -> bool:
    """Two arenas, and blocks from 256 KiB up mapped on their own whenever the heap has no free room
    for them; False where the C library has no mallopt (not glibc), which keeps its own defaults."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(_M_ARENA_MAX, MALLOC_ARENAS) == 1 and mallopt(_M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD) == 1
