"""What a batch repeats is worked out once and gives what working it out each time gives: the
driver's bind values for a household's shared id and dates, the index person's reason context,
and the provider referral ids."""
import asyncio
import sqlite3
import uuid
from datetime import UTC, date, datetime

from pathways_shared import bulk
from pathways_router.adapters.tables import metadata, open_referrals, triage
from pathways_router.domain.engine import _context, _index_context
from pathways_router.domain.facts import household_facts
from pathways_router.domain.grouping import PROVIDER_REFERRAL_NAMESPACE, provider_referral_id
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.db import make_engine
from pathways_shared.outbox import outbox
from pathways_shared.testing.households import generate_households

from .conftest import DATED, packaged_book

R1, R2 = uuid.uuid4(), uuid.uuid4()
D1, D2 = date(2026, 11, 20), date(2027, 1, 2)


def row(referral_id, person, eligible_from, as_of) -> dict:
    return {"referral_id": referral_id, "person_ref": person, "provider": "pops", "decision": "not_yet",
            "eligible_from": eligible_from, "clauses": [], "rulebook_version": "v1", "as_of": as_of}


# The same objects in a row, then others equal to them, then None between dates.
ROWS = [row(R1, "a", None, D1), row(R1, "b", D2, D1), row(R2, "a", D2, D1), row(uuid.UUID(str(R1)), "c", None, D2),
        row(R2, "b", None, date(2026, 11, 20)), row(R1, "d", date(2027, 1, 2), D1)]


async def write(path, through_driver: bool) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(DATED.metadata.create_all)
        if through_driver:
            await bulk.upsert(conn, DATED, ROWS, ["referral_id", "person_ref", "provider"])
        else:
            await conn.execute(bulk.statement(conn, DATED, ("upsert", ("referral_id", "person_ref", "provider"))),
                               ROWS)
    await engine.dispose()


def test_repeated_ids_and_dates_are_bound_as_each_alone(tmp_path):
    for through_driver in (True, False):
        asyncio.run(write(tmp_path / f"{through_driver}.db", through_driver))
    stored = [sqlite3.connect(tmp_path / f"{d}.db").execute("select * from dated order by 1, 2").fetchall()
              for d in (True, False)]
    assert stored[0] == stored[1] and len(stored[0]) == len(ROWS)


def test_the_index_persons_context_is_the_same_for_everyone_in_the_household():
    book = packaged_book()
    for doc in generate_households(50, seed=21):
        referral = parse_referral(doc)
        people = list(household_facts(referral, D1, book.imprisoned_stages))
        index = _index_context(people[0][1], book.labels)
        for person, facts in people:
            for named in (True, False):
                assert _context(person, facts, book.labels, named, index) == _context(person, facts, book.labels,
                                                                                     named)


def test_a_remembered_provider_referral_id_is_the_one_worked_out():
    for _ in range(3):
        referral_id = uuid.uuid4()
        for provider in ("pops", "tmuk", "pops"):
            assert provider_referral_id(referral_id, provider) == uuid.uuid5(
                PROVIDER_REFERRAL_NAMESPACE, f"{referral_id}:{provider}")


NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
OPEN = {"provider_referral_id": R1, "pseudonym": "pp_1", "provider": "pops", "referral_id": R2, "person_ref": "a",
        "opened_at": NOW}
INSERTS = [
    (triage, False, [{"referral_id": R1, "person_ref": p, "provider": "pops", "pseudonym": "", "queued_at": NOW,
                      "reasons": [{"id": "POPS-1", "outcome": "review", "reason": "Zoë — \"quoted\""}]}
                     for p in ("a", "b")]),
    (open_referrals, True, [OPEN, OPEN | {"person_ref": "changed", "opened_at": datetime.now(UTC)},
                            OPEN | {"pseudonym": "pp_2"}]),  # a key taken: left as it is
    (outbox, False, [{"event_id": uuid.uuid4(), "event_type": "t", "topic": "x", "message_key": str(R1),
                      "payload": b'{"a":1}', "correlation_id": c, "created_at": NOW} for c in (None, "c-1")]),
]


async def insert_all(path, through_driver: bool) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(outbox.create)
        for table, keep, rows in INSERTS:
            if through_driver:
                await bulk.insert(conn, table, rows, keep_existing=keep)
            else:
                await conn.execute(bulk.statement(conn, table, ("keep",) if keep else ("insert",)), rows)
    await engine.dispose()


def test_inserts_through_the_driver_store_what_sqlalchemy_stores(tmp_path):
    for through_driver in (True, False):
        asyncio.run(insert_all(tmp_path / f"{through_driver}.db", through_driver))
    stored = [{t: sqlite3.connect(tmp_path / f"{d}.db").execute(f"select * from {t} order by 1, 2").fetchall()
               for t in ("triage", "open_provider_referrals", "outbox")} for d in (True, False)]
    assert stored[0] == stored[1]
    assert [len(v) for v in stored[0].values()] == [2, 2, 2]
