"""A notifier on a real database, posting to the test webhook, and helpers to drive its worker
and read what it stored and announced."""
import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from pathways_notifier.adapters.endpoints import load_endpoints
from pathways_notifier.adapters.tables import deliveries
from pathways_notifier.bootstrap import NotifierSettings, bootstrap, create_schema
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox

from ..servers import INTAKE_TOKEN

ALL_PROVIDERS = ("tmuk", "pops", "shelter", "moms", "magistra")


def settings_for(db_url, intake, **overrides) -> NotifierSettings:
    values = dict(database_url=db_url, intake_url=intake.url, intake_token=INTAKE_TOKEN, topic_prefix="t.",
                  backoff_base_s=0.01, backoff_cap_s=0.05, max_attempts=25, webhook_timeout_s=5,
                  today=date(2026, 11, 2))
    return NotifierSettings(**(values | overrides))


async def make_notifier(db_url, intake, webhook, providers=ALL_PROVIDERS, **overrides):
    """A notifier whose providers all post to the test webhook."""
    env = {f"PROVIDER_{p.upper()}_WEBHOOK_URL": webhook.url for p in providers}
    env |= {f"PROVIDER_{p.upper()}_WEBHOOK_SECRET": webhook.secret for p in providers}
    notifier = bootstrap(settings_for(db_url, intake, **overrides), endpoints=load_endpoints(None, environ=env))
    await create_schema(notifier.engine)
    return notifier


async def close(notifier):
    await notifier.http.aclose()
    await notifier.engine.dispose()


@pytest.fixture
async def start(db_url, intake, webhook):
    made = []

    async def _start(providers=ALL_PROVIDERS, **overrides):
        made.append(await make_notifier(db_url, intake, webhook, providers, **overrides))
        return made[-1]

    yield _start
    for notifier in made:
        await close(notifier)


async def drain(notifier, until, timeout=20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await until():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting for deliveries"
        await notifier.worker.run_once()
        await asyncio.sleep(0.01)


async def rows(notifier) -> dict:
    async with notifier.engine.connect() as conn:
        return {r.webhook_id: r for r in await conn.execute(select(deliveries))}


async def published(notifier, kind: EventType) -> list:
    async with notifier.engine.connect() as conn:
        found = await conn.execute(select(outbox.c.payload, outbox.c.topic)
                                   .where(outbox.c.event_type == str(kind)).order_by(outbox.c.id))
        return [(decode_event(r.payload), r.topic) for r in found]


def all_settled(notifier, status="delivered"):
    async def check():
        return all(r.status == status for r in (await rows(notifier)).values())
    return check
