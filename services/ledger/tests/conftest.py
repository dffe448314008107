"""The ledger's test fixtures. Database URLs (``db_url``, ``pg_url``, ``sqlite_url``) come from
the shared plugin, pathways_shared.testing.fixtures: each test gets empty tables on each database."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from pathways_ledger.bootstrap import bootstrap

BASE_TIME = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def make_envelope(n: int = 0, *, referral_id: str | None = None, event_type: str = "pathways.referral.received",
                  **extra) -> dict:
    """The n-th event envelope of a deterministic series; the same n gives the same eventId."""
    return {
        "eventId": str(uuid.UUID(int=n + 1)),
        "eventType": event_type,
        "version": 1,
        "occurredAt": (BASE_TIME + timedelta(minutes=n)).isoformat(),
        "referralId": referral_id or f"referral-{n % 3}",
        "personReference": {"identifiers": [{"type": "CRN", "value": "X000000"}]},
        "additionalInformation": {"n": n, "note": "né à Liverpool"},
        **extra,
    }


@pytest.fixture
def envelope():
    return make_envelope


@pytest_asyncio.fixture(loop_scope="session")
async def ledger(db_url):
    """A ledger with an empty chain, its schema created as the service creates it."""
    the_ledger = bootstrap(database_url=db_url)
    await the_ledger.create_schema()
    yield the_ledger
    await the_ledger.close()
