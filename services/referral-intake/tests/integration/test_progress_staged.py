"""The progress projection handles a batch in a few statements (adapters.staged_progress); each
event must still change exactly what it changed handled alone with the per-event writes
(repository.note_provider_referral and save_routing, adapters.provider_activity). Random histories
of every event the projection reads, out of order across topics, redelivered, with timestamps at
several UTC offsets, in batches of random sizes."""
import logging
import random
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, select

from pathways_intake.adapters import provider_activity as activity
from pathways_intake.adapters import repository as repo
from pathways_intake.adapters.staged_progress import ConcurrentProgress, StagedProgress
from pathways_intake.adapters.tables import deliveries, routings
from pathways_intake.bootstrap import create_schema
from pathways_intake.service_layer.progress import GROUP, ProgressProjection
from pathways_intake.service_layer.progress_effects import payload_of
from pathways_shared.contracts.payloads import (
    FirstContactRecorded, FirstContactReminderRaised, ProviderReferralDelivered, ProviderReferralDeliveryFailed,
    ProviderReferralRaised, ProviderReferralStatusChanged, ReferralRouted,
)
from pathways_shared.db import make_engine
from pathways_shared.events import EventType, new_event
from pathways_shared.inbox import processed_messages, record_processed
from pathways_shared.telemetry import correlation_id

pytestmark = pytest.mark.integration
REFERRALS = [uuid.uuid4() for _ in range(2)]
PROVIDER_REFERRALS = {uuid.uuid4(): (REFERRALS[i % 2], ["moms", "tmuk", "pops"][i % 3]) for i in range(5)}
OFFSETS = [timezone.utc, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]


def history(rnd: random.Random, n: int = 80) -> list:
    def at():
        return datetime(2026, 11, 3, 9, tzinfo=rnd.choice(OFFSETS)) + timedelta(hours=rnd.randint(0, 8))

    events = []
    for _ in range(n):
        if events and rnd.random() < 0.1:
            events.append(rnd.choice(events))  # redelivered
            continue
        prid, (referral_id, provider) = rnd.choice(list(PROVIDER_REFERRALS.items()))
        ids = dict(provider_referral_id=prid, referral_id=referral_id, provider=provider)
        kind, payload = rnd.choice([
            (EventType.referral_routed, lambda: ReferralRouted(
                referral_id=referral_id, revision=rnd.randint(1, 3), as_of=date(2026, 11, rnd.randint(1, 9)),
                rulebook_version="v1", decisions=[{"provider": provider, "n": rnd.random()}],
                provider_referral_ids=[p for p, (r, _) in PROVIDER_REFERRALS.items() if r == referral_id
                                       and rnd.random() < 0.5])),
            (EventType.provider_referral_raised, lambda: ProviderReferralRaised(
                **ids, revision=1, persons=[], capacity="open", waitlisted=False, urgent=False,
                rulebook_version="v1")),
            (EventType.provider_referral_delivered, lambda: ProviderReferralDelivered(
                **ids, webhook_id="w", attempts=rnd.randint(0, 3), status_code=202, delivered_at=at())),
            (EventType.provider_referral_delivery_failed, lambda: ProviderReferralDeliveryFailed(
                **ids, webhook_id="w", attempts=rnd.randint(1, 5), last_error="HTTP 503",
                dead_lettered=rnd.random() < 0.5)),
            (EventType.provider_referral_status_changed, lambda: ProviderReferralStatusChanged(
                **ids, from_status=None, to_status=rnd.choice(["accepted", "in-progress", "failed"]),
                reason=rnd.choice([None, "no_contact"]), changed_at=at(), by="system")),
            (EventType.first_contact_recorded, lambda: FirstContactRecorded(
                **ids, contacted_on=date(2026, 11, rnd.randint(4, 9)), method="phone", recorded_at=at())),
            (EventType.first_contact_reminder_raised, lambda: FirstContactReminderRaised(
                **ids, delivered_on=date(2026, 11, 3), due_on=date(2026, 11, rnd.randint(9, 12)), working_days=5)),
        ])
        events.append(new_event(kind, referral_id, additional_information=payload().model_dump(mode="json")))
    return events


async def alone(conn, payload) -> None:
    """The effect of one event with the per-event writes."""
    if isinstance(payload, ReferralRouted):
        stored = await repo.load_routing(conn, payload.referral_id)
        if stored is None or stored.revision <= payload.revision:
            await repo.save_routing(conn, payload.referral_id, payload.revision, payload.as_of,
                                    payload.rulebook_version, payload.decisions)
        for prid in payload.provider_referral_ids:
            await repo.note_provider_referral(conn, prid, payload.referral_id)
        return
    ids = (payload.provider_referral_id, payload.referral_id, payload.provider)
    if isinstance(payload, ProviderReferralRaised):
        await repo.note_provider_referral(conn, *ids)
    elif isinstance(payload, ProviderReferralDelivered):
        await repo.note_provider_referral(conn, *ids, "delivered", payload.attempts)
        await activity.note_requested(conn, payload.provider_referral_id, payload.delivered_at)
    elif isinstance(payload, ProviderReferralDeliveryFailed):
        await repo.note_provider_referral(conn, *ids, "failed" if payload.dead_lettered else "pending",
                                          payload.attempts)
    elif isinstance(payload, ProviderReferralStatusChanged):
        await activity.note_status(conn, *ids, payload.to_status.value,
                                   payload.reason.value if payload.reason else None, payload.changed_at)
    elif isinstance(payload, FirstContactRecorded):
        await activity.note_first_contact(conn, *ids, payload.contacted_on, payload.method.value)
    else:
        await activity.note_reminder(conn, *ids, payload.due_on)


async def stored_rows(engine) -> dict:
    async with engine.connect() as conn:
        return {
            "routings": sorted((r.referral_id, r.revision, r.as_of, r.rulebook_version, str(r.decisions))
                               for r in await conn.execute(select(routings))),
            "deliveries": sorted(tuple(v for k, v in r._mapping.items() if k != "updated_at")
                                 for r in await conn.execute(select(deliveries))),
            "processed": sorted(r.event_id for r in await conn.execute(select(processed_messages.c.event_id))),
        }


@pytest.fixture
async def engine(db_url):
    engine = make_engine(db_url)
    await create_schema(engine)
    yield engine
    await engine.dispose()


@pytest.mark.parametrize("seed", range(6))
async def test_a_batch_stores_what_its_events_store_one_at_a_time(engine, seed):
    rnd = random.Random(seed)
    events = history(rnd)
    expected_done = []
    for event in events:
        async with engine.begin() as conn:
            fresh = await record_processed(conn, GROUP, event)
            if fresh:
                await alone(conn, payload_of(event))
            expected_done.append(fresh)
    expected = await stored_rows(engine)
    async with engine.begin() as conn:
        for table in (routings, deliveries, processed_messages):
            await conn.execute(delete(table))

    done, projection, start = [], ProgressProjection(engine), 0
    while start < len(events):
        size = rnd.randint(1, 30)
        done += await projection.on_events([(e, None) for e in events[start:start + size]])
        start += size
    assert done == expected_done
    assert await stored_rows(engine) == expected


async def test_a_batch_with_a_payload_that_can_never_be_handled_changes_nothing(engine):
    good = history(random.Random(1), 20)
    bad = new_event(EventType.referral_routed, REFERRALS[0], additional_information={"revision": "x"})
    with pytest.raises(ValidationError):
        await ProgressProjection(engine).on_events([(e, None) for e in good] + [(bad, None)])
    assert await stored_rows(engine) == {"routings": [], "deliveries": [], "processed": []}


async def test_a_row_created_by_another_consumer_since_the_load_fails_the_batch(engine):
    prid, (referral_id, provider) = next(iter(PROVIDER_REFERRALS.items()))
    async with engine.connect() as conn:
        staged = await StagedProgress.load(conn, set(), {prid})
        await repo.note_provider_referral(conn, prid, referral_id, provider)  # as another consumer would
        staged.note_provider_referral(prid, referral_id, provider)
        with pytest.raises(ConcurrentProgress):
            await staged.flush(conn)



class Lines(logging.Handler):
    """Each "referral progress recorded" line with the correlation id current when it was logged."""
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.seen = []

    def emit(self, record):
        if record.getMessage() == "referral progress recorded":
            self.seen.append((record, correlation_id.get()))


@pytest.fixture
def lines():
    handler, logger = Lines(), logging.getLogger("pathways_intake")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not assignment: it clears the loggers' cached levels
    yield handler, logger
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_a_batch_logs_one_line_with_its_counts(engine, lines):
    handler, _ = lines
    events = history(random.Random(3), 40)
    done = await ProgressProjection(engine).on_events([(e, "corr-1") for e in events])
    assert [(r.levelno, r.events) for r, _ in handler.seen] == [(logging.INFO, sum(done))]
    assert sum(done) > 0
    by_type = handler.seen[0][0].by_type
    assert by_type == Counter(str(e.eventType) for e, d in zip(events, done) if d)


async def test_with_debug_each_event_is_logged_under_its_correlation_id(engine, lines):
    handler, logger = lines
    logger.setLevel(logging.DEBUG)
    events = history(random.Random(4), 12)
    arrived = [(e, f"corr-{i}" if i % 2 else None) for i, e in enumerate(events)]
    done = await ProgressProjection(engine).on_events(arrived)
    per_event = [(r, corr) for r, corr in handler.seen if r.levelno == logging.DEBUG]
    assert len(per_event) == sum(done) > 0
    handled = [(e, c) for (e, c), d in zip(arrived, done) if d]
    assert [r.referral_id for r, _ in per_event] == [str(e.referralId) for e, _ in handled]
    assert [c for _, c in per_event if c.startswith("corr-")] == [c for _, c in handled if c]
    assert all(c for _, c in per_event)  # a fresh id for each event that came without one
