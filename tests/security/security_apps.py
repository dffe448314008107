"""The four services' HTTP apps, each composed as its process composes it, over a real database
and a real tokens file (digests only), without their background work (broker, relay, workers):
those are tested elsewhere, and these checks are about what the HTTP side lets in.
"""
from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import prometheus_client
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncEngine

from pathways_shared.token_file import issue_token

SERVICES = ("referral-intake", "router", "notifier", "ledger")
ROLES = ("referrer", "provider:pops", "provider:tmuk", "commissioner", "admin", "internal")
PSEUDONYM_KEY = "security-pseudonym-key-0123456789"
MASTER_KEY = "c2VjdXJpdHktdGVzdHMtbWFzdGVyLWtleS0wMTIzNDU="  # base64 of 32 bytes, for tests only
ROUTER_APP = "pathways_router.entrypoints.app"
REFERRAL = json.loads((Path(__file__).resolve().parents[2] / "examples" / "01-liverpool-custody-family.json")
                      .read_text())
# What fills each path parameter: the example referral, else ids nobody holds (answering 404).
PATH_VALUES = {"referral_id": REFERRAL["referral_id"], "batch_id": "00000000-0000-4000-8000-000000000001",
               "line": "2", "provider": "pops", "provider_referral_id": "00000000-0000-4000-8000-000000000002",
               "webhook_id": "no-such-delivery", "person": "pp_" + "0" * 32}


def routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, HEAD aside."""
    return {(method, r.path) for r in iter_route_contexts(app.routes) for method in (r.methods or ()) if method != "HEAD"}


def url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


def issue_tokens(path: Path) -> dict[str, str]:
    """One token per role, written to the tokens file as `pathways token create` writes them."""
    return {role: issue_token(path, f"security-{role.replace(':', '-')}", [role]) for role in ROLES}


@dataclass
class Service:
    name: str
    app: FastAPI
    engine: AsyncEngine
    running: Callable[[], AbstractAsyncContextManager]  # schema created on entry, engine disposed on exit


def build(name: str, db_url: str, tokens_file: Path, var_dir: Path) -> Service:
    return {"referral-intake": _intake, "router": _router, "notifier": _notifier, "ledger": _ledger}[name](
        db_url, tokens_file, var_dir)


def _intake(db_url: str, tokens_file: Path, _var: Path) -> Service:
    from pathways_intake.bootstrap import IntakeSettings
    from pathways_intake.entrypoints.http import create_app

    settings = IntakeSettings(pseudonym_key=PSEUDONYM_KEY, master_key=MASTER_KEY, database_url=db_url,
                              topic_prefix="sec.", tokens_file=tokens_file)
    app = create_app(settings, background=False, registry=prometheus_client.CollectorRegistry())
    return Service("referral-intake", app, app.state.intake.engine, lambda: app.router.lifespan_context(app))


def _router(db_url: str, tokens_file: Path, var_dir: Path) -> Service:
    """The module `python -m pathways_router` serves, imported afresh with this run's settings."""
    from pathways_router.bootstrap import create_schema

    with pytest.MonkeyPatch.context() as env:
        for key, value in {"DATABASE_URL": db_url, "TOKENS_FILE": str(tokens_file), "VAR_DIR": str(var_dir),
                           "TOPIC_PREFIX": "sec.", "TODAY": "2026-11-02"}.items():
            env.setenv(key, value)
        previous = sys.modules.pop(ROUTER_APP, None)
        try:
            module = importlib.import_module(ROUTER_APP)
        finally:
            sys.modules.pop(ROUTER_APP, None)
            if previous is not None:
                sys.modules[ROUTER_APP] = previous
    engine = module.router.engine

    @asynccontextmanager
    async def running():
        await create_schema(engine)
        try:
            yield
        finally:
            await engine.dispose()
    return Service("router", module.http, engine, running)


def _notifier(db_url: str, tokens_file: Path, _var: Path) -> Service:
    from pathways_notifier.bootstrap import NotifierSettings, create_schema
    from pathways_notifier.entrypoints.app import create_app

    settings = NotifierSettings(database_url=db_url, tokens_file=tokens_file, topic_prefix="sec.",
                                intake_url="http://127.0.0.1:9", intake_token="fp_unused",
                                inbox_secret="security-inbox-secret", inbox_base_url="http://127.0.0.1")
    app = create_app(settings, broker_registry=prometheus_client.CollectorRegistry())
    notifier = app.state.notifier

    @asynccontextmanager
    async def running():
        await create_schema(notifier.engine)
        try:
            yield
        finally:
            await notifier.http.aclose()
            await notifier.engine.dispose()
    return Service("notifier", app, notifier.engine, running)


def _ledger(db_url: str, tokens_file: Path, _var: Path) -> Service:
    from pathways_ledger.bootstrap import LedgerSettings
    from pathways_ledger.entrypoints.http import create_app

    app = create_app(LedgerSettings(database_url=db_url, tokens_file=tokens_file))
    return Service("ledger", app, app.state.ledger.engine, lambda: app.router.lifespan_context(app))


class Served:
    """ASGI: the service's HTTP side, with `running` in place of the service's own lifespan (for a
    client such as Schemathesis that starts the lifespan itself)."""

    def __init__(self, service: Service):
        self.service = service

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            return await self.service.app(scope, receive, send)
        await receive()  # lifespan.startup
        async with self.service.running():
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})
