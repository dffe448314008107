"""Ids that grow with time: an insert keyed by one lands on its index's last page, where a random
id would land on a page of its own once the index outgrows the cache (more pages written)."""
from __future__ import annotations

import time
import uuid


def time_ordered_id(random: bytes) -> uuid.UUID:
    """An RFC 9562 version 7 UUID from 16 random bytes: the time in milliseconds, then random bits.
    Ids made later sort later, as UUIDs and as their stored hex text."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(random[6:16], "big")
    value = value & ~(0xF << 76) | 0x7 << 76        # the version
    value = value & ~(0x3 << 62) | 0x2 << 62        # the RFC variant
    return uuid.UUID(int=value)
