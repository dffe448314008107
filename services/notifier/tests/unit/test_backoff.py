"""Exponential backoff with full jitter."""
import random

from hypothesis import given
from hypothesis import strategies as st

from pathways_notifier.domain.backoff import retry_delay


@given(attempt=st.integers(1, 60), base=st.floats(0.001, 10), cap=st.floats(0.001, 3600), seed=st.integers())
def test_the_delay_is_between_zero_and_the_capped_exponential(attempt, base, cap, seed):
    delay = retry_delay(attempt, base, cap, random.Random(seed))
    assert 0 <= delay <= min(cap, base * 2 ** (attempt - 1)) + 1e-9


def test_the_ceiling_doubles_until_the_cap_and_draws_spread_across_it():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (30, 60)]:
        draws = [retry_delay(attempt, 1, 60, rng) for _ in range(2000)]
        assert max(draws) <= ceiling
        assert max(draws) > 0.9 * ceiling and min(draws) < 0.1 * ceiling  # full jitter, not "equal" jitter
