"""Composition root: settings → database, provider fields and endpoints, intake, worker, relay."""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import Field, SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_shared.broker.topics import Topics, topics_for
from pathways_shared.db import create_plumbing_tables, make_engine
from pathways_shared.outbox import OutboxRelay
from pathways_shared.settings import Settings

from .adapters.endpoints import Endpoint, load_endpoints
from .adapters.intake import IntakeClient
from .adapters.tables import metadata
from .service_layer.delivery import DeliveryWorker, RetryPolicy
from .service_layer.handlers import NotifierService
from .service_layer.outcomes import Outcomes


class NotifierSettings(Settings):
    service_name: str = "notifier"
    http_port: int = 8003
    intake_url: str = "http://127.0.0.1:8001"
    intake_token: SecretStr = SecretStr("")
    providers_file: Path | None = None
    backoff_base_s: float = Field(1.0, gt=0)
    backoff_cap_s: float = Field(60.0, gt=0)
    max_attempts: int = Field(8, ge=1)
    worker_interval_s: float = Field(1.0, gt=0)
    webhook_timeout_s: float = Field(15.0, gt=0)   # Standard Webhooks suggests 15-30 s
    delivery_batch_size: int = Field(20, ge=1)

    def retry_policy(self) -> RetryPolicy:
        # A lease outlasting the longest attempt: the intake call and the webhook call, plus margin.
        return RetryPolicy(self.backoff_base_s, self.backoff_cap_s, self.max_attempts,
                           lease_s=2 * self.webhook_timeout_s + 10, batch_size=self.delivery_batch_size)


@dataclass
class Notifier:
    settings: NotifierSettings
    engine: AsyncEngine
    topics: Topics
    service: NotifierService
    worker: DeliveryWorker
    relay: OutboxRelay
    http: httpx.AsyncClient


def provider_fields(rulebook_path: Path | None = None) -> tuple[dict[str, list[str]], frozenset[str]]:
    """Each provider's allowed fields, and the providers reached by webhook, from the rulebook."""
    providers = load_rulebook(rulebook_path).source.providers
    return ({p.id: list(p.fields) for p in providers},
            frozenset(p.id for p in providers if "webhook" in p.channels))


def bootstrap(settings: NotifierSettings | None = None, *, endpoints: dict[str, Endpoint] | None = None,
              rng: random.Random | None = None) -> Notifier:
    settings = settings or NotifierSettings()
    engine = make_engine(settings.db_url())
    topics = topics_for(settings)
    fields, webhook_providers = provider_fields(settings.rulebook_path)
    if endpoints is None:
        endpoints = load_endpoints(settings.providers_file)
    http = httpx.AsyncClient(timeout=settings.webhook_timeout_s, follow_redirects=False)
    relay = OutboxRelay.from_settings(engine, settings)
    intake = IntakeClient(settings.intake_url, settings.intake_token.get_secret_value(), http)
    outcomes = Outcomes(engine, topics, relay.wake)
    worker = DeliveryWorker(engine, endpoints, fields, intake, http, outcomes, settings.retry_policy(),
                            settings.current_date, rng)
    return Notifier(settings, engine, topics, NotifierService(engine, webhook_providers), worker, relay, http)


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await create_plumbing_tables(engine)
