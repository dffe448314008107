"""Composition root: builds the engine and store once and binds them into the use cases."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from pathways_shared.db import make_engine
from pathways_shared.settings import Settings
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_ledger.adapters import schema
from pathways_ledger.adapters.store import SqlLedgerStore
from pathways_ledger.domain.chain import LedgerEntry
from pathways_ledger.domain.report.config import ReportConfig
from pathways_ledger.domain.verification import Verification
from pathways_ledger.service_layer import services


@dataclass(frozen=True)
class Ledger:
    engine: AsyncEngine
    store: SqlLedgerStore
    record_event: Callable[[Mapping[str, Any]], Awaitable[LedgerEntry]]
    record_events: Callable[[Iterable[Mapping[str, Any]]], Awaitable[list[LedgerEntry]]]
    verify: Callable[..., Awaitable[Verification]]  # verify(page_size=...)
    trail: Callable[[str], Awaitable[list[LedgerEntry]]]

    async def create_schema(self) -> None:
        await schema.create_schema(self.engine)

    async def has_schema(self) -> bool:
        return await schema.has_schema(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()


class LedgerSettings(Settings):
    service_name: str = "ledger"
    http_port: int = 8004
    # The monthly report: counts from 1 to REPORT_SUPPRESS_BELOW − 1 are published as '<N';
    # first contact is due REPORT_FIRST_CONTACT_WORKING_DAYS working days after delivery.
    report_suppress_below: int = 5
    report_first_contact_working_days: int = 5


def report_config(settings: Settings) -> ReportConfig:
    return ReportConfig(suppress_below=getattr(settings, "report_suppress_below", 5),
                        first_contact_working_days=getattr(settings, "report_first_contact_working_days", 5))


def ledger_settings() -> Settings:
    return LedgerSettings()


def bootstrap(settings: Settings | None = None, *, database_url: str | None = None,
              engine: AsyncEngine | None = None) -> Ledger:
    """The ledger on ``engine``, else on ``database_url``, else on the settings' database."""
    if engine is None:
        settings = settings or ledger_settings()
        if database_url is None and settings.database_url is None:
            settings.var_dir.mkdir(parents=True, exist_ok=True)  # the embedded default lives there
        engine = make_engine(database_url or settings.db_url())
    store = SqlLedgerStore(engine)
    return Ledger(
        engine=store.engine,
        store=store,
        record_event=partial(services.record_event, store=store),
        record_events=partial(services.record_events, store=store),
        verify=partial(services.verify_ledger, store=store),
        trail=partial(services.referral_trail, store=store),
    )
