"""Fresh random values in bulk: nonces, data keys and key ids for a whole caseload chunk at once.

Each os.urandom call is a system call, and a chunk wants thousands of values (a nonce for every
field, a key for nearly every person), so they are read from the system in one call and cut up.
"""
from __future__ import annotations

import os
import time
import uuid


def random_blocks(count: int, size: int) -> list[bytes]:
    """`count` fresh random strings of `size` bytes."""
    pool = os.urandom(size * count)
    return [pool[i:i + size] for i in range(0, size * count, size)]


def time_ordered_id(random: bytes) -> uuid.UUID:
    """An RFC 9562 version 7 UUID from 16 random bytes: the time in milliseconds, then random bits.
    Ids made later sort later, so a feed's new keys go at the end of the key indexes rather than
    all over them (fewer pages written)."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(random[6:16], "big")
    value = value & ~(0xF << 76) | 0x7 << 76        # the version
    value = value & ~(0x3 << 62) | 0x2 << 62        # the RFC variant
    return uuid.UUID(int=value)
