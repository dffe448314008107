"""When to try a failed delivery again: exponential backoff with full jitter.

Full jitter (a uniform draw between zero and the exponential ceiling) spreads retries from many
failed deliveries over time, so a provider coming back is not met by all of them at once.
"""
from __future__ import annotations

import random


def retry_delay(failed_attempts: int, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `failed_attempts`-th failure (1 for the first)."""
    ceiling = min(cap_s, base_s * 2 ** max(0, failed_attempts - 1))
    return (rng or random).uniform(0, ceiling)
