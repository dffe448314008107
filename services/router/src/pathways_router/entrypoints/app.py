"""The router process: consumes referral events, routes, re-evaluates on stored dates, and
serves /v1/triage, /healthz, /readyz and /metrics.  Run: `python -m pathways_router`."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from faststream.kafka import KafkaMessage

from pathways_shared.broker.factory import make_kafka_broker, subscriber_options
from pathways_shared.events import DomainEvent
from pathways_shared.http import ops_router
from pathways_shared.telemetry import configure_logging

from ..adapters import repository as repo
from ..bootstrap import RouterSettings, bootstrap, create_schema

log = logging.getLogger("pathways_router")
settings = RouterSettings()
router = bootstrap(settings)
broker = make_kafka_broker(settings)


@broker.subscriber(router.topics.referrals, **subscriber_options(settings, "router"))
async def on_referral_event(event: DomainEvent, msg: KafkaMessage) -> None:
    if await router.service.on_referral_event(event):
        router.relay.wake()  # its decisions are committed: publish now, not at the next poll


async def reevaluation_loop() -> None:
    while True:
        try:
            count = await router.service.reevaluate_due()
            if count:
                log.info("re-evaluated households whose window opened", extra={"households": count})
                router.relay.wake()
        except Exception:
            log.exception("re-evaluation pass failed; trying again next interval")
        await asyncio.sleep(settings.reevaluation_interval_s)


@asynccontextmanager
async def lifespan(_app: FastAPI):
    configure_logging(settings.service_name)
    await create_schema(router.engine)
    router.relay.start()
    await broker.start()
    scheduler = asyncio.create_task(reevaluation_loop())
    try:
        yield
    finally:
        scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
        await broker.stop()
        await router.relay.stop()
        await router.engine.dispose()


http = FastAPI(title="Family Pathways router", lifespan=lifespan)
http.include_router(ops_router(router.engine, broker))


@http.get("/v1/triage")
async def triage() -> list[dict]:
    """Review decisions waiting for a person to decide, oldest first (person_refs and pseudonyms only)."""
    async with router.engine.connect() as conn:
        rows = await repo.open_triage(conn)
    return [{**r, "referral_id": str(r["referral_id"]), "queued_at": r["queued_at"].isoformat()} for r in rows]
