"""The router's bulk writes store exactly what SQLAlchemy's own statements store, and the
ReferralRouted event it builds is the one ReferralRouted's JSON dump would give."""
import asyncio
import json
import sqlite3
import uuid
from datetime import UTC, date, datetime

from pathways_shared import bulk
from pathways_router.adapters.tables import households, metadata, raised
from pathways_router.domain.engine import evaluate
from pathways_router.service_layer import raising
from pathways_router.service_layer.routed import routed_event
from pathways_router.service_layer.routing import decision_rows
from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.payloads import ReferralRouted
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.db import make_engine
from pathways_shared.events import EventType, encode_event
from pathways_shared.testing.households import generate_households

from .conftest import DATED, packaged_book

R1, R2 = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def decision(referral_id, person, provider, clauses, eligible_from=None) -> dict:
    return {"referral_id": referral_id, "person_ref": person, "provider": provider, "decision": "not_yet",
            "eligible_from": eligible_from, "clauses": clauses, "rulebook_version": "v1", "as_of": date(2026, 11, 20)}


BATCHES = [
    (DATED, ["referral_id", "person_ref", "provider"], [
        decision(R1, "ix", "pops", [{"id": "POPS-1", "outcome": "pass", "reason": "Zoë — 18–30 \"quoted\""}]),
        decision(R1, "p1", "pops", [], date(2026, 12, 1)),
        decision(R2, "ix", "tmuk", [{"id": "TMUK-1", "outcome": "fail", "reason": "x", "n": 2 ** 70}])]),
    (DATED, ["referral_id", "person_ref", "provider"], [  # the same keys again: updated
        decision(R1, "ix", "pops", [{"id": "POPS-1", "outcome": "fail", "reason": "changed"}], date(2027, 1, 2))]),
    (households, ["referral_id"], [{"referral_id": R1, "revision": 2, "routing_view": {"a": [1, None, True]},
                                    "pseudonyms": {"ix": "pp_1"}, "routed_at": NOW}]),
    # Rows without a nullable column: SQLAlchemy leaves it out of the statement, and so must we.
    (raised, ["provider_referral_id"], [{"provider_referral_id": R2, "referral_id": R1, "provider": "pops",
                                         "revision": 1, "persons": [{"person_ref": "ix"}], "raised_at": NOW}]),
]


async def write(path, through_driver: bool) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(DATED.metadata.create_all)
    async with engine.begin() as conn:
        for table, keys, rows in BATCHES:
            if through_driver:
                await bulk.upsert(conn, table, rows, keys)
            else:
                await conn.execute(bulk.statement(conn, table, ("upsert", tuple(keys))), rows)
    await engine.dispose()


def stored(path) -> dict:
    with sqlite3.connect(path) as db:
        return {t: sorted(db.execute(f"select * from {t}").fetchall(), key=repr)
                for t in ("dated", "households", "provider_referrals")}


def test_upserts_through_the_driver_store_what_sqlalchemy_stores(tmp_path):
    asyncio.run(write(tmp_path / "bulk.db", True))
    asyncio.run(write(tmp_path / "sqlalchemy.db", False))
    assert stored(tmp_path / "bulk.db") == stored(tmp_path / "sqlalchemy.db")
    assert len(stored(tmp_path / "bulk.db")["dated"]) == 3


def test_the_routed_event_is_the_dumped_payload():
    topics = Topics()
    referral = parse_referral(next(iter(generate_households(1, seed=9))))
    referral_id, as_of = referral.effective_id(), date(2026, 11, 20)
    rows = decision_rows(evaluate(referral, packaged_book(), as_of, name_people=False))
    pseudonyms, raised_ids = ["pp_a", "", "pp_b"], [uuid.uuid4()]
    ours, topic = routed_event(topics, referral_id, 3, as_of, "v1", rows, raised_ids, pseudonyms)
    theirs, their_topic = raising.event_of(topics, EventType.referral_routed, referral_id, ReferralRouted(
        referral_id=referral_id, revision=3, as_of=as_of, rulebook_version="v1", decisions=rows,
        provider_referral_ids=raised_ids), pseudonyms, "household referral routed")
    assert topic == their_topic
    ours, theirs = json.loads(encode_event(ours)), json.loads(encode_event(theirs))
    for body in (ours, theirs):
        del body["eventId"], body["occurredAt"]
    assert json.dumps(ours) == json.dumps(theirs)  # same content, same key order
