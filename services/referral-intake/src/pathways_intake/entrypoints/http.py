"""The intake process: the referral API, the internal document API, /healthz, /readyz and
/metrics, the outbox relay and the progress consumer. Run: `python -m pathways_intake`."""
from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager

import prometheus_client
from fastapi import Depends, FastAPI, Request

from pathways_shared.auth import RESPONSES, TokenStore, requiring, store_from_app
from pathways_shared.broker.factory import make_kafka_broker
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.http import ops_router, single_valued_query
from pathways_shared.telemetry import configure_logging, correlation_scope

from ..bootstrap import IntakeSettings, bootstrap, create_schema
from ..hmpps import api as probation_api
from ..hmpps.subscriber import ensure_hmpps_topics
from ..service_layer.sealing import seal_unsealed
from . import feed_api, internal_api, referrals_api
from .consumers import register_consumers
from .problems import install_problem_handlers

CORRELATION_HEADER = "X-Correlation-Id"
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")  # fits the outbox column; nothing else passes


def create_app(settings: IntakeSettings | None = None, *, background: bool = True,
               registry: prometheus_client.CollectorRegistry | None = None) -> FastAPI:
    """The intake as an ASGI app. With background=False the lifespan only creates the schema:
    no outbox relay and no consumer (tests drive those themselves)."""
    settings = settings or IntakeSettings()
    registry = registry if registry is not None else prometheus_client.REGISTRY
    intake = bootstrap(settings)
    broker = make_kafka_broker(settings, registry=registry)
    register_consumers(broker, intake)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        configure_logging(settings.service_name)
        await create_schema(intake.engine)
        await seal_unsealed(intake.engine, intake.service.store)  # referrals stored before the store
        if background:
            intake.relay.start()
            await asyncio.to_thread(ensure_hmpps_topics, settings)  # the broker creates no topic itself
            await broker.start()
            intake.hmpps.retries.start()
            intake.birthdays.start()
            intake.retention.start()
        try:
            yield
        finally:
            if background:
                await intake.retention.stop()
                await intake.birthdays.stop()
                await intake.hmpps.retries.stop()
                await broker.stop()
                await intake.relay.stop()
            await intake.engine.dispose()

    app = FastAPI(title="Family Pathways referral intake", version="1", lifespan=lifespan,
                  dependencies=[Depends(single_valued_query)])
    app.state.intake, app.state.broker = intake, broker
    app.state.tokens = TokenStore(settings.tokens_path())  # tests put TokenStore.of(...) here
    app.add_middleware(feed_api.CaseloadBodyLimit, limit=settings.max_body_bytes)  # caseload uploads: larger

    @app.middleware("http")
    async def correlate(request: Request, call_next):
        """Each request's work, its logs and the events it stores share one correlation id."""
        offered = request.headers.get(CORRELATION_HEADER, "")
        with correlation_scope(offered if _CORRELATION_ID.match(offered) else None) as value:
            response = await call_next(request)
        response.headers[CORRELATION_HEADER] = value
        return response

    install_problem_handlers(app)
    # Who may do what (pathways_shared.auth scopes); an admin token holds every scope.
    referrer, admin = [Depends(requiring(store_from_app, "referrer"))], [Depends(requiring(store_from_app, "admin"))]
    app.include_router(referrals_api.router, dependencies=referrer, responses=RESPONSES)
    app.include_router(internal_api.router)  # scope `internal`, checked per route (the caller is audited)
    app.include_router(feed_api.router, dependencies=admin, responses=RESPONSES)
    app.include_router(probation_api.router, dependencies=admin, responses=RESPONSES)
    app.include_router(ops_router(intake.engine, broker if background else None, registry=registry))
    _document_referral_schema(app)
    return app


def _document_referral_schema(app: FastAPI) -> None:
    """POST /v1/referrals reads its raw body (to report every problem), so FastAPI cannot see
    the contract model; add it to the OpenAPI components by hand."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            model = HouseholdReferral.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(model.pop("$defs", {}))
            components["HouseholdReferral"] = model
        return app.openapi_schema

    app.openapi = openapi
