"""Composition root: settings → database, topics, relay, protected store, intake service and
progress projection."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics, topics_for
from pathways_shared.db import create_plumbing_tables, make_engine
from pathways_shared.relay import OutboxRelay
from pathways_shared.settings import Settings

from .adapters import audit
from .adapters.crypto import Keyring, decode_key
from .adapters.protected import ProtectedStore
from .adapters.tables import metadata
from .hmpps.wiring import CASE_SOURCE_FORMAT, HmppsEvents, hmpps_events
from .service_layer.ages import BirthdayAnnouncements
from .service_layer.retention import Periods, RetentionPurge
from .service_layer.intake import IntakeService
from .service_layer.progress import ProgressProjection


class IntakeSettings(Settings):
    # A rejected secret must not be echoed back in the settings error.
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    service_name: str = "referral-intake"
    http_port: int = 8001
    # Keys the pseudonyms in events (PSEUDONYM_KEY); changing it breaks linkage across referrals.
    pseudonym_key: SecretStr = Field(min_length=16)
    # Wraps every person's data key (MASTER_KEY: base64 of 32 random bytes), named MASTER_KEY_ID;
    # after a rotation the old keys stay in MASTER_KEYS_RETIRED ("id:base64,id:base64") to unwrap.
    master_key: SecretStr
    master_key_id: str = Field("k1", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    master_keys_retired: SecretStr = SecretStr("")
    # How long each kind of record is kept (README "Data protection"); `pathways purge` ends them.
    retention_closed_referral_days: int = Field(730, ge=1)
    retention_feed_rejection_days: int = Field(90, ge=1)
    retention_hmpps_inbox_days: int = Field(30, ge=1)
    retention_audit_days: int = Field(2192, ge=2192)   # six years at least: the audit's own floor
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # HMPPS domain events (docs/hmpps-events.md): the topic, where cases are looked up, retries.
    hmpps_events_topic: str = Field("hmpps.domain-events", min_length=1)
    probation_case_source: str | None = Field(None, pattern=CASE_SOURCE_FORMAT)  # file:PATH | http:BASEURL
    probation_case_timeout_seconds: float = Field(5.0, gt=0)
    hmpps_retry_first_seconds: float = Field(30.0, gt=0)
    hmpps_retry_longest_seconds: float = Field(3600.0, gt=0)
    hmpps_retry_poll_seconds: float = Field(5.0, gt=0)
    # How often the birthday job looks for households whose ages changed (service_layer.ages).
    ages_poll_seconds: float = Field(3600.0, gt=0)
    # How often the running intake purges what is past its retention period (service_layer.retention).
    retention_poll_seconds: float = Field(86_400.0, gt=0)

    @field_validator("probation_case_source", mode="before")
    @classmethod
    def _blank_is_unset(cls, value):   # PROBATION_CASE_SOURCE= in an env file: no source, as unset
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("master_key")
    @classmethod
    def _a_real_key(cls, value: SecretStr) -> SecretStr:
        decode_key(value.get_secret_value())
        return value

    def keyring(self) -> Keyring:
        retired = dict(item.split(":", 1) for item in self.master_keys_retired.get_secret_value().split(",")
                       if item.strip())
        return Keyring.of(self.master_key_id, self.master_key.get_secret_value(), retired)


@dataclass
class Intake:
    settings: IntakeSettings
    engine: AsyncEngine
    topics: Topics
    service: IntakeService
    progress: ProgressProjection
    relay: OutboxRelay
    hmpps: HmppsEvents
    birthdays: BirthdayAnnouncements
    retention: RetentionPurge


def bootstrap(settings: IntakeSettings | None = None) -> Intake:
    settings = settings or IntakeSettings()
    engine = make_engine(settings.db_url())
    topics = topics_for(settings)
    key = settings.pseudonym_key.get_secret_value().encode()
    store = ProtectedStore(settings.keyring(), key)
    service = IntakeService(engine, topics, key, store, settings.current_date)
    return Intake(settings, engine, topics, service, ProgressProjection(engine),
                  OutboxRelay.from_settings(engine, settings), hmpps_events(settings, service),
                  BirthdayAnnouncements(service, settings.ages_poll_seconds),
                  RetentionPurge(engine, store, Periods.of(settings), settings.retention_poll_seconds))


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(audit.install_guards)
    await create_plumbing_tables(engine)
