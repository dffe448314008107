"""The router process's referral consumer on a real broker: events arrive in batches, a record
that can never be handled goes to the dead-letter topic with its reason, and the others in its
batch are routed all the same."""
import asyncio
import copy
import importlib
import sys
import uuid
from datetime import UTC, datetime

import pytest
from kafka import KafkaProducer
from sqlalchemy import func, select

from pathways_router.adapters.tables import households
from pathways_router.bootstrap import create_schema
from pathways_shared.broker.topics import dead_letter_topic
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event
from pathways_shared.testing.fixtures import TEST_SESSION_TIMEOUT_MS, publish_events, read_topic

from .test_router_service import EXAMPLE, KEY

pytestmark = pytest.mark.integration
APP = "pathways_router.entrypoints.app"


@pytest.fixture
def app(monkeypatch, tmp_path, kafka_bootstrap, fresh_topics):
    """The router's app module as `python -m pathways_router` composes it, on a fresh database."""
    for name, value in {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "TOPIC_PREFIX": fresh_topics.prefix,
                        "KAFKA_SESSION_TIMEOUT_MS": str(TEST_SESSION_TIMEOUT_MS), "VAR_DIR": str(tmp_path),
                        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'router.db'}", "TODAY": "2026-11-02"}.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop(APP, None)
    yield importlib.import_module(APP)
    sys.modules.pop(APP, None)


def household_event(n: int, **index):
    doc = copy.deepcopy(EXAMPLE)
    doc["referral_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"consumer-{n}"))
    event = referral_submitted_event(parse_referral(doc), revision=1, received_at=datetime.now(UTC), pseudonym_key=KEY)
    event.additionalInformation["routing_view"]["index_person"].update(index)
    return event


async def routed(app) -> int:
    async with app.router.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(households))).scalar_one()


async def test_bad_records_are_dead_lettered_and_the_rest_of_their_batch_is_routed(app, kafka_bootstrap):
    topic = app.router.topics.referrals
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    producer.send(topic, key=b"k", value=b"{not json")
    producer.flush(timeout=10)
    producer.close()
    good = [household_event(n) for n in range(3)]
    bad = household_event(9, stage="not_a_stage")
    publish_events(kafka_bootstrap, topic, [good[0], bad, *good[1:]])
    await create_schema(app.router.engine)
    await app.broker.start()
    try:
        for _ in range(150):
            if await routed(app) == 3:
                break
            await asyncio.sleep(0.1)
        assert await routed(app) == 3
        dead = await asyncio.to_thread(read_topic, kafka_bootstrap, dead_letter_topic(topic), expected=2)
    finally:
        await app.broker.stop()
        await app.router.engine.dispose()
    assert len(dead) == 2
    reasons = {r.value: dict((k, v.decode()) for k, v in r.headers) for r in dead}
    assert reasons[b"{not json"]["dead-letter-error"] == "MalformedEvent"
    [bad_headers] = [h for value, h in reasons.items() if value != b"{not json"]
    assert "routing view is not a valid referral" in bad_headers["dead-letter-reason"]
    assert bad_headers["dead-letter-source"].startswith(f"{topic}/")
