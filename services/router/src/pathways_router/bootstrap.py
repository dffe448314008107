"""Composition root: settings → database, rulebook, broker, relay, service."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.broker.topics import Topics, topics_for
from pathways_shared.db import create_plumbing_tables, make_engine
from pathways_shared.relay import OutboxRelay
from pathways_shared.settings import Settings

from .adapters.rulebook_yaml import load_rulebook
from .adapters.tables import metadata
from .service_layer.handlers import RouterService


class RouterSettings(Settings):
    service_name: str = "router"
    http_port: int = 8002
    reevaluation_interval_s: float = Field(30.0, gt=0)


@dataclass
class Router:
    settings: RouterSettings
    engine: AsyncEngine
    topics: Topics
    service: RouterService
    relay: OutboxRelay


def bootstrap(settings: RouterSettings | None = None) -> Router:
    settings = settings or RouterSettings()
    engine = make_engine(settings.db_url())
    topics = topics_for(settings)
    service = RouterService(engine, load_rulebook(settings.rulebook_path), topics, settings.current_date)
    return Router(settings, engine, topics, service, OutboxRelay.from_settings(engine, settings))


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await create_plumbing_tables(engine)
