"""Referral events handled a batch at a time (one transaction): each exactly as alone, a
redelivered batch changes nothing, a bad event is refused without holding the others back, and
each event's outbox rows keep the correlation id it arrived with."""
import copy
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.adapters.tables import households
from pathways_router.bootstrap import create_schema
from pathways_router.service_layer.consumption import handle_batch
from pathways_router.service_layer.handlers import RouterService
from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event
from pathways_shared.db import make_engine
from pathways_shared.events import EventType, MalformedEvent, decode_event, new_event
from pathways_shared.inbox import processed_messages
from pathways_shared.outbox import outbox

from .test_router_service import EXAMPLE, KEY

pytestmark = pytest.mark.integration


@pytest.fixture
async def router(db_url):
    engine = make_engine(db_url)
    await create_schema(engine)
    yield RouterService(engine, load_rulebook(), Topics("t."), lambda: date(2026, 11, 2))
    await engine.dispose()


def submitted(n: int):
    doc = copy.deepcopy(EXAMPLE)
    doc["referral_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"batch-{n}"))
    doc["index_person"]["identifiers"] = [{"type": "CRN", "value": f"X{n:06d}"}]
    return referral_submitted_event(parse_referral(doc), revision=1, received_at=datetime.now(UTC),
                                    pseudonym_key=KEY)


async def scalar(engine, query):
    async with engine.connect() as conn:
        return (await conn.execute(query)).scalar_one()


async def routed_correlations(engine) -> dict:
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.payload, outbox.c.correlation_id)
                                  .where(outbox.c.event_type == str(EventType.referral_routed)))
        return {str(decode_event(r.payload).referralId): r.correlation_id for r in rows}


async def test_a_batch_routes_every_household_once_and_a_redelivery_changes_nothing(router):
    events = [submitted(n) for n in range(5)]
    batch = [(e, f"corr-{n}") for n, e in enumerate(events)]
    first = await handle_batch(router, batch + [batch[0]])  # the same event twice in one batch
    assert first.count == 5 and first.refused == []
    assert await scalar(router.engine, select(func.count()).select_from(households)) == 5
    assert await routed_correlations(router.engine) == {str(e.referralId): f"corr-{n}" for n, e in enumerate(events)}
    again = await handle_batch(router, batch)
    assert again.count == 0 and again.refused == []
    assert len(await routed_correlations(router.engine)) == 5


async def test_an_event_that_can_never_be_handled_is_refused_and_the_rest_are_handled(router):
    good = submitted(1)
    bad = submitted(2)
    bad.additionalInformation["routing_view"]["index_person"]["stage"] = "not_a_stage"
    other = new_event(EventType.consent_recorded, uuid.uuid4(), additional_information={"nonsense": True})
    result = await handle_batch(router, [(bad, None), (good, None), (other, None)])
    assert result.count == 1
    assert {e.eventId for e, _ in result.refused} == {bad.eventId, other.eventId}
    assert all(isinstance(exc, (MalformedEvent, ValueError)) for _, exc in result.refused)
    assert await scalar(router.engine, select(func.count()).select_from(households)) == 1
    # Refused events are not recorded as processed: a redelivery refuses them again.
    assert await scalar(router.engine, select(func.count()).select_from(processed_messages)) == 1
