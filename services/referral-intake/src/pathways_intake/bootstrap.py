"""Composition root: settings → database, topics, relay, intake service and progress projection."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics, topics_for
from pathways_shared.db import create_plumbing_tables, make_engine
from pathways_shared.outbox import OutboxRelay
from pathways_shared.settings import Settings

from .adapters.tables import metadata
from .hmpps.wiring import CASE_SOURCE_FORMAT, HmppsEvents, hmpps_events
from .service_layer.intake import IntakeService
from .service_layer.progress import ProgressProjection


class IntakeSettings(Settings):
    # A rejected secret must not be echoed back in the settings error.
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    service_name: str = "referral-intake"
    http_port: int = 8001
    # Keys the pseudonyms in events (PSEUDONYM_KEY); changing it breaks linkage across referrals.
    pseudonym_key: SecretStr = Field(min_length=16)
    # Bearer token the notifier presents to read a clear document (INTERNAL_TOKEN).
    internal_token: SecretStr = Field(min_length=16)
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # HMPPS domain events (docs/hmpps-events.md): the topic, where cases are looked up, retries.
    hmpps_events_topic: str = Field("hmpps.domain-events", min_length=1)
    probation_case_source: str | None = Field(None, pattern=CASE_SOURCE_FORMAT)  # file:PATH | http:BASEURL
    probation_case_timeout_seconds: float = Field(5.0, gt=0)
    hmpps_retry_first_seconds: float = Field(30.0, gt=0)
    hmpps_retry_longest_seconds: float = Field(3600.0, gt=0)
    hmpps_retry_poll_seconds: float = Field(5.0, gt=0)


@dataclass
class Intake:
    settings: IntakeSettings
    engine: AsyncEngine
    topics: Topics
    service: IntakeService
    progress: ProgressProjection
    relay: OutboxRelay
    hmpps: HmppsEvents


def bootstrap(settings: IntakeSettings | None = None) -> Intake:
    settings = settings or IntakeSettings()
    engine = make_engine(settings.db_url())
    topics = topics_for(settings)
    service = IntakeService(engine, topics, settings.pseudonym_key.get_secret_value().encode())
    return Intake(settings, engine, topics, service, ProgressProjection(engine),
                  OutboxRelay.from_settings(engine, settings), hmpps_events(settings, service))


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await create_plumbing_tables(engine)
