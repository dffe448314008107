"""The notifier process: consumes raised provider referrals, runs the delivery worker, and serves
/v1/deliveries, the provider API (/v1/provider-referrals, /v1/overdue), the inbox pages (/inbox),
/healthz, /readyz and /metrics.  Run: `python -m pathways_notifier`."""
from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from faststream.kafka import KafkaMessage

from pathways_shared.auth import TokenStore
from pathways_shared.broker.factory import make_kafka_broker, subscriber_options
from pathways_shared.events import DomainEvent
from pathways_shared.http import BodyLimit, ops_router, single_valued_query, validation_problems
from pathways_shared.telemetry import configure_logging

from ..bootstrap import Notifier, NotifierSettings, bootstrap, create_schema
from ..service_layer.handlers import GROUP
from .deliveries_api import deliveries_router
from .inbox import inbox_router
from .provider_api import provider_router

MAX_BODY_BYTES = 64 * 1024  # far above any provider API change or inbox form


def create_app(settings: NotifierSettings | None = None, *, notifier: Notifier | None = None,
               broker_registry=None) -> FastAPI:
    notifier = notifier or bootstrap(settings)
    settings = notifier.settings
    broker = make_kafka_broker(settings, registry=broker_registry)

    @broker.subscriber(notifier.topics.provider_referrals, **subscriber_options(settings, GROUP))
    async def on_provider_referral(event: DomainEvent, msg: KafkaMessage) -> None:
        if await notifier.service.on_provider_referral_event(event):
            notifier.worker.wake()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        configure_logging(settings.service_name)
        await create_schema(notifier.engine)
        notifier.relay.start()
        await broker.start()
        worker = asyncio.create_task(notifier.worker.run(settings.worker_interval_s), name="delivery-worker")
        reminders = asyncio.create_task(notifier.reminders.run(settings.reminder_interval_s), name="reminders")
        try:
            yield
        finally:
            for task in (worker, reminders):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await broker.stop()
            await notifier.relay.stop()
            await notifier.http.aclose()
            await notifier.engine.dispose()

    app = FastAPI(title="Family Pathways notifier", lifespan=lifespan, dependencies=[Depends(single_valued_query)])
    app.state.notifier = notifier
    app.state.tokens = TokenStore(settings.tokens_path())  # tests put TokenStore.of(...) here
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.include_router(ops_router(notifier.engine, broker))
    app.include_router(provider_router())
    app.include_router(inbox_router(notifier))  # the provider inbox pages, /inbox
    app.include_router(deliveries_router())
    # The provider API's shape for every bad request (docs/provider-api.md), query values included.
    app.add_exception_handler(RequestValidationError, validation_problems)
    return app
