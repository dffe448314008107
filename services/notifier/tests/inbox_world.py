"""A small world for the inbox pages: the real router (its HTTP API served on a loopback port, the
sample household routed through it), and a notifier app with the inbox, fed the provider
referrals the router raised. Providers reach the notifier through the inbox only, so each raised
referral is in its provider's inbox at once."""
from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import prometheus_client
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from pathways_notifier.bootstrap import Notifier, bootstrap, create_schema
from pathways_notifier.entrypoints.app import create_app
from pathways_router.bootstrap import RouterSettings
from pathways_router.bootstrap import bootstrap as router_bootstrap
from pathways_router.bootstrap import create_schema as router_schema
from pathways_router.entrypoints.http_api import attach
from pathways_shared.auth import TokenStore
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox

from .conftest import HOUSEHOLD
from .integration.conftest import settings_for
from .rulebooks import rulebook_with

TOKENS = [("moms", "tok-moms", ["provider:moms"]), ("tmuk", "tok-tmuk", ["provider:tmuk"]),
          ("pops", "tok-pops", ["provider:pops"]), ("commissioner", "tok-comm", ["commissioner"])]
INBOX_ONLY = {"tmuk": ["inbox"], "moms": ["inbox"], "magistra": ["inbox"], "shelter": ["inbox"],
              "pops": ["webhook"]}  # POPS keeps its webhook: the inbox is not for it
# The notifier's clock two weeks on: every referral not yet contacted is past its due date.
LATER = date.today() + timedelta(days=14)


class Clock:
    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> date:
        return self.day


@dataclass
class World:
    notifier: Notifier
    app: FastAPI
    router: object               # the router's composition (pathways_router.bootstrap.Router)
    router_clock: Clock
    raised: dict[str, str]        # provider → provider referral id


async def serve(app, name: str):
    """The app under uvicorn on a free loopback port; returns (url, stop)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]), name=name)
    while not server.started:
        assert not task.done(), f"the {name} failed to start"
        await asyncio.sleep(0.02)

    async def stop():
        server.should_exit = True
        await task
        sock.close()
    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


async def build(db_url: str, intake, tmp_path, today: date = LATER):
    """(World, stop): the router routes the household on 2 November 2026; its raised provider
    referrals reach the notifier, whose inbox app is returned unserved."""
    router = router_bootstrap(RouterSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'router.db'}",
                                             topic_prefix="r."))
    clock = Clock(date(2026, 11, 2))
    router.service.today = clock
    await router_schema(router.engine)
    event = referral_submitted_event(parse_referral(HOUSEHOLD), revision=1, received_at=datetime.now(UTC),
                                     pseudonym_key=b"inbox-test-key")
    assert await router.service.on_referral_event(event)
    async with router.engine.connect() as conn:
        raised = [decode_event(r.payload) for r in await conn.execute(
            select(outbox.c.payload).where(outbox.c.event_type == str(EventType.provider_referral_raised)))]
    router_app = FastAPI()  # its HTTP API as the router serves it, without the broker
    attach(router_app, router, TokenStore.of(TOKENS))
    router_url, stop_router = await serve(router_app, "router")

    notifier = bootstrap(settings_for(db_url, intake, today=today, router_url=router_url,
                                      rulebook_path=rulebook_with(tmp_path, **INBOX_ONLY),
                                      inbox_base_url="http://127.0.0.1"))
    await create_schema(notifier.engine)
    for e in raised:
        await notifier.service.on_provider_referral_event(e)
    app = create_app(notifier=notifier, broker_registry=prometheus_client.CollectorRegistry())
    app.state.tokens = TokenStore.of(TOKENS)

    async def stop():
        await stop_router()
        await notifier.http.aclose()
        await notifier.engine.dispose()
        await router.engine.dispose()
    return World(notifier, app, router, clock, {e.additionalInformation["provider"]: e.additionalInformation[
        "provider_referral_id"] for e in raised}), stop
