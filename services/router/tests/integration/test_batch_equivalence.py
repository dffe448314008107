"""A batch of referral events leaves exactly what the same events handled one at a time leave,
even when they touch each other: a person presented by a second household in the same batch is
a duplicate of the referral the first raised, and a household's later revision in the batch
replaces what its first one decided."""
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pathways_router.adapters import tables
from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.bootstrap import create_schema
from pathways_router.service_layer.consumption import handle_batch
from pathways_router.service_layer.handlers import RouterService
from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.payloads import ConsentRecorded
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event, routing_view
from pathways_shared.db import make_engine
from pathways_shared.events import EventType, new_event
from pathways_shared.outbox import outbox

from .conftest import KEY, household, person
from .test_duplicates import mia_elsewhere

pytestmark = pytest.mark.integration
H1, H2, H3 = (str(uuid.uuid5(uuid.NAMESPACE_URL, f"batched-household-{n}")) for n in range(1, 4))
# When a row was written, and the fresh ids of the events announcing it, differ between two runs;
# nothing else may.
UNCOMPARED = {"routed_at", "raised_at", "opened_at", "recorded_at", "queued_at", "created_at", "id", "payload",
              "event_id"}


class Helpers:  # what mia_elsewhere asks of the desk
    household, person = staticmethod(household), staticmethod(person)


def events() -> list:
    elsewhere = mia_elsewhere(Helpers, H2, "X000002")
    first, second = parse_referral(household(H1)), parse_referral(elsewhere)
    third = parse_referral(household(H3, "X000003", members=[]))
    submitted = [referral_submitted_event(r, revision=1, received_at=datetime.now(UTC), pseudonym_key=KEY)
                 for r in (first, second, third)]
    pending = dict(elsewhere, index_person=dict(elsewhere["index_person"], consent_to_contact_family="pending"))
    consent = new_event(EventType.consent_recorded, uuid.UUID(H2), additional_information=ConsentRecorded(
        referral_id=uuid.UUID(H2), revision=2, person_ref="ix", consent="pending",
        routing_view=routing_view(parse_referral(pending))).model_dump(mode="json"))
    return [*submitted, consent, submitted[0]]  # the last: a redelivery within the batch


async def state_after(url: str, batches: list[list]) -> dict:
    engine = make_engine(url)
    await create_schema(engine)
    service = RouterService(engine, load_rulebook(), Topics("t."), lambda: date(2026, 11, 2))
    handled = [(await handle_batch(service, batch)).count for batch in batches]
    state = {"handled": sum(handled)}
    async with engine.connect() as conn:
        for table in (*tables.metadata.sorted_tables, outbox):
            rows = [{k: v for k, v in r._mapping.items() if k not in UNCOMPARED}
                    for r in await conn.execute(select(table).order_by(*table.primary_key.columns))]
            state[table.name] = rows if table is outbox else sorted(rows, key=repr)
    await engine.dispose()
    return state


async def test_a_batch_leaves_what_its_events_one_at_a_time_leave(tmp_path):
    batch = [(event, f"corr-{n}") for n, event in enumerate(events())]
    together = await state_after(f"sqlite+aiosqlite:///{tmp_path / 'together.db'}", [batch])
    alone = await state_after(f"sqlite+aiosqlite:///{tmp_path / 'alone.db'}", [[item] for item in batch])
    assert together == alone
    assert together["handled"] == 4
    assert len(together["duplicate_presentations"]) == 1
    assert {str(h["referral_id"]): h["revision"] for h in together["households"]} == {H1: 1, H2: 2, H3: 1}
    assert [r["event_type"] for r in together["outbox"]].count(str(EventType.referral_routed)) == 4
