"""How a process's garbage collector is set once it has started (every service, every command).

Routing a batch, feeding a chunk of a caseload export or projecting a batch of events makes a few
hundred thousand short-lived objects, nearly all freed together when the batch is written. With
the default thresholds the collector runs thousands of times a batch and repeatedly walks every
long-lived object (modules, the rulebook, SQLAlchemy's caches); measured in the router, that was
a quarter of the process's CPU. Rarer young collections let most of a batch die before it is
ever walked, and what start-up built is moved out of the collector's sight. Reference cycles
are still collected.
"""
from __future__ import annotations

import gc

YOUNG_THRESHOLD, OLDER_THRESHOLDS = 20_000, (20, 20)


def settle() -> None:
    """Call once start-up is done (everything imported, the rulebook compiled)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
