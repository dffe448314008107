"""The router's HTTP API over a real database, with tokens, households to submit, and what the
router put in its outbox."""
import contextlib
import copy
import uuid
from datetime import UTC, date, datetime

import httpx
import prometheus_client
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from pathways_router.bootstrap import RouterSettings, bootstrap, create_schema
from pathways_router.entrypoints.activity import register_activity_consumer
from pathways_router.entrypoints.http_api import attach
from pathways_shared.auth import TokenStore
from pathways_shared.broker.factory import make_kafka_broker
from pathways_shared.contracts.lifecycle import Status
from pathways_shared.contracts.payloads import ProviderReferralStatusChanged
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event
from pathways_shared.events import EventType, decode_event, new_event
from pathways_shared.outbox import outbox

KEY = b"test-pseudonym-key"
TOKENS = [("admin", "tok-admin", ["admin"]), ("commissioner", "tok-comm", ["commissioner"]),
          ("moms", "tok-moms", ["provider:moms"]), ("pops", "tok-pops", ["provider:pops"]),
          ("tmuk", "tok-tmuk", ["provider:tmuk"]), ("referrer", "tok-ref", ["referrer"])]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def person(ref, relationship, given, age, **fields):
    """A family member with a name and date of birth, so the same person has one pseudonym everywhere."""
    born = date(2026 - age, 3, 1).isoformat()
    return {"person_ref": ref, "relationship": relationship, "given_name": given, "family_name": "Hale",
            "date_of_birth": born, "sex": "female", "local_authority": "liverpool", "consent_to_contact": "granted",
            **fields}


def household(referral_id: str, crn: str = "X000001", members=None, referred_at="2026-11-02T10:00:00Z", **index):
    """Index on licence 30 days (MOMS, Shelter), partner p1 (POPS) caring for child c1 (TMUK)."""
    return {
        "schema_version": "1", "referral_id": referral_id, "referred_at": referred_at,
        "source": {"type": "probation_practitioner"},
        "index_person": {"person_ref": "ix", "identifiers": [{"type": "CRN", "value": crn}], "given_name": "Jordan",
                         "age_years": 22, "sex": "male", "local_authority": "liverpool", "stage": "licence",
                         "release_date": "2026-10-03", "establishment": "LPI",
                         "offence": {"violent": True, "convicted": True}, "violence_risk": True,
                         "consent_to_contact_family": "granted", "needs": ["housing"], **index},
        "family_members": copy.deepcopy(members if members is not None else [
            person("p1", "partner", "Chloe", 23), person("c1", "child", "Mia", 7, carer_ref="p1")]),
    }


def status_changed(raised: dict, to: Status, before: Status = Status.in_progress):
    referral_id = uuid.UUID(raised["referral_id"])
    return new_event(EventType.provider_referral_status_changed, referral_id,
                     additional_information=ProviderReferralStatusChanged(
                         provider_referral_id=raised["provider_referral_id"], referral_id=referral_id,
                         provider=raised["provider"], from_status=before, to_status=to,
                         reason=None, changed_at=datetime.now(UTC), by=f"provider:{raised['provider']}",
                     ).model_dump(mode="json"))


class Desk:
    """The router under test and its API client; the helpers above as attributes, for the tests."""
    household, person, bearer, status_changed = (staticmethod(household), staticmethod(person),
                                                 staticmethod(bearer), staticmethod(status_changed))

    def __init__(self, router, client):
        self.router, self.client = router, client

    async def submit(self, doc: dict) -> uuid.UUID:
        referral = parse_referral(doc)
        event = referral_submitted_event(referral, revision=1, received_at=datetime.now(UTC), pseudonym_key=KEY)
        assert await self.router.service.on_referral_event(event) is True
        return referral.effective_id()

    async def published(self, kind: EventType) -> list[dict]:
        async with self.router.engine.connect() as conn:
            rows = await conn.execute(select(outbox.c.payload).where(outbox.c.event_type == str(kind))
                                      .order_by(outbox.c.id))
            return [decode_event(r.payload).additionalInformation for r in rows]

    @contextlib.asynccontextmanager
    async def consuming(self):
        broker = make_kafka_broker(self.router.settings, registry=prometheus_client.CollectorRegistry())
        register_activity_consumer(broker, self.router)
        await broker.start()
        try:
            yield broker
        finally:
            await broker.stop()

    async def raised(self, provider: str) -> list[dict]:
        return [r for r in await self.published(EventType.provider_referral_raised) if r["provider"] == provider]


def compose(url: str, **settings):
    return bootstrap(RouterSettings(database_url=url, today=date(2026, 11, 2), **settings))


@pytest.fixture
async def broker_desk(pg_schema_url, kafka_settings):
    """The router on PostgreSQL, set up for the real broker; `desk.consuming()` runs its
    provider-activity subscriber (started inside the test, on the test's event loop)."""
    router = compose(pg_schema_url, kafka_bootstrap_servers=kafka_settings.kafka_bootstrap_servers,
                     kafka_session_timeout_ms=kafka_settings.kafka_session_timeout_ms,
                     topic_prefix=kafka_settings.topic_prefix)
    await create_schema(router.engine)
    yield Desk(router, None)
    await router.engine.dispose()


@pytest.fixture
async def desk(db_url):
    router = compose(db_url)
    await create_schema(router.engine)
    app = FastAPI()
    attach(app, router, TokenStore.of(TOKENS))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://router") as client:
        yield Desk(router, client)
    await router.engine.dispose()
