"""The router process: consumes referral events, routes, re-evaluates on stored dates, and
serves the HTTP API (entrypoints/http_api.py), /healthz, /readyz and /metrics.  Run: `python -m pathways_router`."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from faststream.kafka import KafkaMessage

from pathways_shared.auth import TokenStore
from pathways_shared.broker.factory import make_kafka_broker, subscriber_options
from pathways_shared.events import correlation_id_from, decode_event
from pathways_shared.http import ops_router
from pathways_shared.inbox import DEAD_LETTER_ERRORS, dead_letter
from pathways_shared.telemetry import configure_logging

from ..bootstrap import RouterSettings, bootstrap, create_schema
from ..service_layer.consumption import handle_batch
from .activity import register_activity_consumer
from .http_api import attach

log = logging.getLogger("pathways_router")
settings = RouterSettings()
router = bootstrap(settings)
broker = make_kafka_broker(settings)


# Up to BATCH_RECORDS events a transaction and an offset commit; a fetch that finds nothing waits
# BATCH_WAIT_MS (and FastStream as long again), which bounds the latency this adds when idle.
BATCH_RECORDS, BATCH_WAIT_MS = 200, 50


async def _records(_msg) -> None:
    """The batch handler decodes each record itself, so one bad record cannot fail the batch."""


@broker.subscriber(router.topics.referrals, batch=True, max_records=BATCH_RECORDS, batch_timeout_ms=BATCH_WAIT_MS,
                   **subscriber_options(settings, "router", decoder=_records))
async def on_referral_events(msg: KafkaMessage) -> None:
    batch, records, undecodable = [], {}, []
    for record in msg.raw_message:
        try:
            event = decode_event(record.value)
        except DEAD_LETTER_ERRORS as exc:
            undecodable.append((record, exc))
            continue
        records[event.eventId] = record
        batch.append((event, correlation_id_from(record.headers)))
    handled = await handle_batch(router.service, batch)
    if handled.count:
        router.relay.wake()  # their decisions are committed: publish now, not at the next poll
    for record, exc in undecodable + [(records[event.eventId], exc) for event, exc in handled.refused]:
        await dead_letter(broker, record, exc)


register_activity_consumer(broker, router)


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
attach(http, router, TokenStore(settings.tokens_path()))
