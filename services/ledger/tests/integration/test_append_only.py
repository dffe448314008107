"""The database itself refuses changes; and when a privileged attacker switches that off, verify
still names the entry they touched."""
from dataclasses import replace

import pytest
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from pathways_ledger.adapters.schema import ledger_entries
from pathways_ledger.domain.verification import Problem
from pathways_ledger.service_layer.services import verify_ledger

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def run_sql(ledger, *statements: str) -> None:
    async with ledger.engine.begin() as conn:
        for statement in statements:
            await conn.exec_driver_sql(statement)


async def disable_guards(ledger) -> None:
    """What someone with ALTER rights on the table could do."""
    if ledger.engine.dialect.name == "postgresql":
        await run_sql(ledger, "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_no_update_delete")
    else:
        await run_sql(ledger, "DROP TRIGGER ledger_entries_no_update", "DROP TRIGGER ledger_entries_no_delete")


@pytest.fixture
async def five(ledger, envelope):
    return [await ledger.record_event(envelope(n)) for n in range(5)]


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entries SET payload = '{}' WHERE seq = 3",
    "UPDATE ledger_entries SET hash = prev_hash",
    "DELETE FROM ledger_entries WHERE seq = 5",
    "DELETE FROM ledger_entries",
])
async def test_the_database_refuses_update_and_delete(ledger, five, statement):
    with pytest.raises(DBAPIError, match="ledger_entries is append-only"):
        await run_sql(ledger, statement)
    assert await ledger.store.page(None, 10) == five
    assert (await ledger.verify()).intact


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite has neither
async def test_postgresql_also_refuses_truncate_and_changes_that_match_no_rows(ledger, five):
    for statement in ("TRUNCATE ledger_entries", "DELETE FROM ledger_entries WHERE seq < 0"):
        with pytest.raises(DBAPIError, match="append-only: (TRUNCATE|DELETE) refused"):
            await run_sql(ledger, statement)
    assert len(await ledger.store.page(None, 10)) == 5


async def test_creating_the_schema_again_keeps_entries_and_guards(ledger, five):
    await ledger.create_schema()
    assert await ledger.store.page(None, 10) == five
    with pytest.raises(DBAPIError, match="append-only"):
        await run_sql(ledger, "DELETE FROM ledger_entries")


async def test_a_payload_altered_behind_the_guards_is_named_by_verify(ledger, five):
    await disable_guards(ledger)
    await run_sql(ledger, """UPDATE ledger_entries SET payload = replace(payload, '"n":2', '"n":20') WHERE seq = 3""")
    result = await ledger.verify()
    assert (result.first_break.seq, result.first_break.entry_id) == (3, five[2].entry_id)
    assert result.first_break.problem is Problem.HASH_MISMATCH
    assert result.entries_checked == 2


async def test_a_changed_timestamp_is_a_hash_mismatch(ledger, five):
    await disable_guards(ledger)
    postgresql = ledger.engine.dialect.name == "postgresql"
    when = "occurred_at + interval '1 hour'" if postgresql else "'2020-01-01 00:00:00.000000'"
    await run_sql(ledger, f"UPDATE ledger_entries SET occurred_at = {when} WHERE seq = 4")
    result = await ledger.verify()
    assert (result.first_break.seq, result.first_break.problem) == (4, Problem.HASH_MISMATCH)


async def test_a_deleted_entry_is_a_gap(ledger, five):
    await disable_guards(ledger)
    await run_sql(ledger, "DELETE FROM ledger_entries WHERE seq = 2")
    result = await ledger.verify()
    assert (result.first_break.seq, result.first_break.entry_id, result.first_break.problem) == (
        3, five[2].entry_id, Problem.SEQ_GAP)


async def test_an_altered_entry_given_a_fresh_hash_breaks_the_link_from_the_next(ledger, five):
    await disable_guards(ledger)
    forged = replace(five[2], payload_json=five[2].payload_json.replace('"n":2', '"n":20'))
    async with ledger.engine.begin() as conn:
        await conn.execute(update(ledger_entries).where(ledger_entries.c.seq == 3).values(
            payload=forged.payload_json, hash=forged.computed_hash()))
    result = await ledger.verify()
    assert (result.first_break.seq, result.first_break.entry_id, result.first_break.problem) == (
        4, five[3].entry_id, Problem.LINK_BROKEN)


async def test_an_entry_slipped_in_before_the_first_is_found(ledger, five):
    await run_sql(ledger, "INSERT INTO ledger_entries (seq, entry_id, referral_id, event_type, occurred_at, "
                          "recorded_at, payload, prev_hash, hash) SELECT 0, 'forged', referral_id, event_type, "
                          "occurred_at, recorded_at, payload, prev_hash, hash FROM ledger_entries WHERE seq = 1")
    result = await ledger.verify()
    assert (result.first_break.seq, result.first_break.entry_id, result.first_break.problem) == (
        0, "forged", Problem.SEQ_GAP)


@pytest.mark.parametrize("page_size", [1, 2, 3, 7, 50])
async def test_verify_pages_through_the_chain_and_finds_a_break_on_any_page(ledger, envelope, page_size):
    await ledger.record_events([envelope(n) for n in range(21)])
    assert (await verify_ledger(store=ledger.store, page_size=page_size)).entries_checked == 21
    await disable_guards(ledger)
    await run_sql(ledger, "UPDATE ledger_entries SET payload = payload || ' ' WHERE seq = 15")
    result = await verify_ledger(store=ledger.store, page_size=page_size)
    assert (result.first_break.seq, result.entries_checked) == (15, 14)
