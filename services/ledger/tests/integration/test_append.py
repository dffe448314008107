import pytest
from sqlalchemy import event, func, select

from pathways_ledger.adapters.schema import ledger_entries
from pathways_ledger.domain.chain import GENESIS_HASH
from pathways_ledger.domain.events import EnvelopeInvalid

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def count(ledger) -> int:
    async with ledger.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(ledger_entries))).scalar_one()


async def test_events_are_chained_in_the_order_recorded(ledger, envelope):
    entries = [await ledger.record_event(envelope(n)) for n in range(3)]
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:2]]
    stored = await ledger.store.page(None, 10)
    assert stored == entries  # what was hashed is byte for byte what was stored
    assert (await ledger.verify()).intact


async def test_recording_the_same_event_id_twice_stores_one_entry(ledger, envelope):
    first = await ledger.record_event(envelope(1))
    again = await ledger.record_event(envelope(1, additionalInformation={"redelivered": True}))
    assert again == first
    assert await count(ledger) == 1


async def test_the_bulk_path_appends_in_one_go_and_skips_ids_already_recorded(ledger, envelope):
    await ledger.record_event(envelope(0))
    batch = [envelope(n) for n in range(1200)] + [envelope(5)]  # one already stored, one repeated
    entries = await ledger.record_events(batch)
    assert len(entries) == len(batch)
    assert entries[0].seq == 1 and entries[-1] == entries[5]
    assert [e.seq for e in entries[1:1200]] == list(range(2, 1201))
    assert len({e.recorded_at for e in entries[1:1200]}) == 1  # one transaction, one recording time
    assert await count(ledger) == 1200
    assert (await ledger.verify(page_size=100)).entries_checked == 1200


async def test_a_bulk_append_reads_the_chain_head_once_not_per_entry(ledger, envelope):
    await ledger.record_event(envelope(0))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(ledger.engine.sync_engine, "before_cursor_execute", listener)
    try:
        await ledger.record_events([envelope(n) for n in range(1, 2001)])
    finally:
        event.remove(ledger.engine.sync_engine, "before_cursor_execute", listener)
    # begin/lock, 4 chunked id lookups, one head read, one multi-row insert: not thousands.
    assert len(statements) <= 10, statements
    assert (await ledger.verify()).entries_checked == 2001


async def test_one_invalid_envelope_and_none_of_the_batch_is_recorded(ledger, envelope):
    with pytest.raises(EnvelopeInvalid):
        await ledger.record_events([envelope(1), {**envelope(2), "referralId": None}])
    assert await count(ledger) == 0


async def test_a_trail_is_one_referrals_entries_in_ledger_order(ledger, envelope):
    for n in range(9):
        await ledger.record_event(envelope(n, referral_id="ref-a" if n % 2 else "ref-b"))
    trail = await ledger.trail("ref-a")
    assert [e.seq for e in trail] == [2, 4, 6, 8]
    assert {e.referral_id for e in trail} == {"ref-a"}
    assert await ledger.trail("ref-unknown") == []
