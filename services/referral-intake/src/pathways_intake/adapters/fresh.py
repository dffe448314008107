"""Fresh random values in bulk: nonces, data keys and key ids for a whole caseload chunk at once.

Each os.urandom call is a system call, and a chunk wants thousands of values (a nonce for every
field, a key for nearly every person), so they are read from the system in one call and cut up.
"""
from __future__ import annotations

import os


def random_blocks(count: int, size: int) -> list[bytes]:
    """`count` fresh random strings of `size` bytes."""
    pool = os.urandom(size * count)
    return [pool[i:i + size] for i in range(0, size * count, size)]
