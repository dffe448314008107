"""Use cases. Dependencies are passed in; ``bootstrap`` binds them once for the entrypoints."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pathways_ledger.adapters.store import SqlLedgerStore
from pathways_ledger.domain.canonical import canonical_datetime
from pathways_ledger.domain.chain import LedgerEntry
from pathways_ledger.domain.events import entry_from_envelope
from pathways_ledger.domain.verification import ChainWalker, Verification

DEFAULT_PAGE_SIZE = 1000


async def record_event(envelope: Mapping[str, Any], *, store: SqlLedgerStore) -> LedgerEntry:
    """Append one event envelope; recording the same eventId again returns the entry already there.

    Raises EnvelopeInvalid when the envelope lacks eventId, eventType, version, occurredAt (with a
    timezone) or referralId.
    """
    [entry] = await store.append([entry_from_envelope(envelope)])
    return entry


async def record_events(envelopes: Iterable[Mapping[str, Any]], *, store: SqlLedgerStore) -> list[LedgerEntry]:
    """Append many envelopes in one transaction (the bulk path); one entry returned per envelope.

    All-or-nothing: one invalid envelope and none is recorded.
    """
    return await store.append([entry_from_envelope(envelope) for envelope in envelopes])


async def verify_ledger(*, store: SqlLedgerStore, page_size: int = DEFAULT_PAGE_SIZE) -> Verification:
    """Walk the whole chain in seq order, a page at a time, and report the first broken entry."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    walker, after_seq = ChainWalker(), None
    while True:
        page = await store.page(after_seq, page_size)
        for entry in page:
            if walker.check(entry):
                return walker.result()
        if len(page) < page_size:
            return walker.result()
        after_seq = page[-1].seq


async def referral_trail(referral_id: str, *, store: SqlLedgerStore) -> list[LedgerEntry]:
    """Every entry recorded for one referral, in the order the ledger recorded them."""
    return await store.trail(referral_id)


def trail_item(entry: LedgerEntry) -> dict[str, Any]:
    """The public view of an entry, as the trail endpoint and command show it."""
    return {"seq": entry.seq, "event_type": entry.event_type,
            "occurred_at": canonical_datetime(entry.occurred_at),
            "recorded_at": canonical_datetime(entry.recorded_at), "payload": entry.payload, "hash": entry.hash}
