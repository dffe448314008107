"""Composition root: settings → database, provider fields, channels and endpoints, intake, worker, relay."""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import httpx
from datetime import date

from pydantic import Field, SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.domain.compiled import CompiledRulebook
from pathways_shared.broker.topics import Topics, topics_for
from pathways_shared.db import create_plumbing_tables, make_engine
from pathways_shared.relay import OutboxRelay
from pathways_shared.settings import Settings

from .adapters.endpoints import Endpoint, load_endpoints
from .adapters.intake import IntakeClient
from .adapters.mailboxes import load_mailboxes
from .adapters.smtp import SmtpServer
from .adapters.tables import metadata
from .domain.working_days import ENGLAND_AND_WALES_BANK_HOLIDAYS, Timeliness
from .service_layer.channels import ConsentGate, EmailChannel, WebhookChannel
from .service_layer.delivery import DeliveryWorker, RetryPolicy
from .service_layer.handlers import NotifierService
from .service_layer.lifecycle import ProviderReferrals
from .service_layer.lifecycle_views import Households
from .service_layer.reminder_delivery import OutcomesWithReminders, ReminderSource, reminder_channels
from .service_layer.reminders import FirstContactReminders


class NotifierSettings(Settings):
    service_name: str = "notifier"
    http_port: int = 8003
    intake_url: str = "http://127.0.0.1:8001"
    # INTAKE_TOKEN: an API token with the `internal` scope; the intake records each read under its name.
    intake_token: SecretStr = SecretStr("")
    providers_file: Path | None = None
    backoff_base_s: float = Field(1.0, gt=0)
    backoff_cap_s: float = Field(60.0, gt=0)
    max_attempts: int = Field(8, ge=1)
    worker_interval_s: float = Field(1.0, gt=0)
    webhook_timeout_s: float = Field(15.0, gt=0)   # Standard Webhooks suggests 15-30 s
    delivery_batch_size: int = Field(20, ge=1)
    # The email channel: the server, and the inbox address its links point to.
    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = "Family Pathways <no-reply@family-pathways.invalid>"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = Field(15.0, gt=0)
    inbox_base_url: str = "http://127.0.0.1:8003"
    # The inbox pages: the key signing their session cookies (random per process when unset) and
    # how long a sign-in lasts; the router, for onward referrals.
    inbox_secret: SecretStr = SecretStr("")
    inbox_session_minutes: int = Field(480, ge=1)
    router_url: str = "http://127.0.0.1:8002"
    # First contact is due this many working days after delivery; then a reminder is raised once.
    first_contact_working_days: int = Field(5, ge=0)
    bank_holidays: list[date] | None = None          # JSON list; unset: England and Wales, built in
    reminder_interval_s: float = Field(300.0, gt=0)

    def smtp_server(self) -> SmtpServer | None:
        if not self.smtp_host:
            return None
        return SmtpServer(self.smtp_host, self.smtp_port, self.smtp_from, self.smtp_starttls, self.smtp_username,
                          self.smtp_password.get_secret_value(), self.smtp_timeout_s)

    def timeliness(self) -> Timeliness:
        holidays = ENGLAND_AND_WALES_BANK_HOLIDAYS if self.bank_holidays is None else frozenset(self.bank_holidays)
        return Timeliness(self.first_contact_working_days, holidays)

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
    intake: IntakeClient
    fields: dict[str, list[str]]
    channels: dict[str, list[str]]
    referrals: ProviderReferrals | None = None         # the provider referral lifecycle
    reminders: FirstContactReminders | None = None


def missing_setting(settings: NotifierSettings) -> str | None:
    """What the notifier process cannot run without, said plainly; None when all is there."""
    if not settings.intake_token.get_secret_value().strip():
        # Without it every document fetch is refused (401) and each delivery fails only after its retries.
        return ("INTAKE_TOKEN is not set: the notifier needs a token with the internal scope "
                "(pathways token create --scope internal) to fetch referral documents")
    return None


def provider_fields(rulebook_path: Path | None = None, *, book: CompiledRulebook | None = None,
                    ) -> tuple[dict[str, list[str]], frozenset[str]]:
    """Each provider's allowed fields, and the providers reached by webhook, from the rulebook."""
    providers = (book or load_rulebook(rulebook_path)).source.providers
    return ({p.id: list(p.fields) for p in providers},
            frozenset(p.id for p in providers if "webhook" in p.channels))


def provider_channels(rulebook_path: Path | None = None, *, book: CompiledRulebook | None = None,
                      ) -> dict[str, list[str]]:
    """Each provider's channels, from the rulebook (webhook, email, inbox)."""
    return {p.id: list(p.channels) for p in (book or load_rulebook(rulebook_path)).source.providers}


def bootstrap(settings: NotifierSettings | None = None, *, endpoints: dict[str, Endpoint] | None = None,
              mailboxes: dict[str, str] | None = None, rng: random.Random | None = None) -> Notifier:
    settings = settings or NotifierSettings()
    engine = make_engine(settings.db_url())
    topics = topics_for(settings)
    book = load_rulebook(settings.rulebook_path)   # fields, channels and consent gates: loaded once
    fields, _ = provider_fields(book=book)
    channels = provider_channels(book=book)
    if endpoints is None:
        endpoints = load_endpoints(settings.providers_file)
    if mailboxes is None:
        mailboxes = load_mailboxes(settings.providers_file)
    http = httpx.AsyncClient(timeout=settings.webhook_timeout_s, follow_redirects=False)
    relay = OutboxRelay.from_settings(engine, settings)
    intake = IntakeClient(settings.intake_url, settings.intake_token.get_secret_value(), http)
    outcomes = OutcomesWithReminders(engine, topics, relay.wake)
    gate = ConsentGate(book, settings.current_date)
    webhook = WebhookChannel(endpoints, fields, intake, http, settings.current_date, gate)
    email = EmailChannel(settings.smtp_server(), mailboxes, settings.inbox_base_url, intake, gate)
    worker = DeliveryWorker(engine, {
        "webhook": webhook,
        "email": email,
        **reminder_channels(webhook, email, ReminderSource(engine, lambda: reminders.timeliness)),
    }, outcomes, settings.retry_policy(), rng)
    timeliness = settings.timeliness()
    referrals = ProviderReferrals(engine, topics, Households(intake, fields), settings.current_date, timeliness,
                                  relay.wake)
    service = NotifierService(engine, channels)
    reminders = FirstContactReminders(engine, topics, settings.current_date, timeliness,
                                      lambda: (relay.wake(), worker.wake()), service.pushed)
    return Notifier(settings, engine, topics, service, worker, relay, http,
                    intake, fields, channels, referrals, reminders)


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await create_plumbing_tables(engine)
