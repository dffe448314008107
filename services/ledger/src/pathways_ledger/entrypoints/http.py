"""The ledger's HTTP API: a referral's trail, and health."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pathways_shared.auth import RESPONSES, TokenStore, requiring, store_from_app
from pathways_shared.http import ops_router, single_valued_query
from pathways_shared.settings import Settings
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from pathways_ledger.bootstrap import Ledger, bootstrap, ledger_settings, report_config
from pathways_ledger.entrypoints import report_http
from pathways_ledger.service_layer.services import trail_item


class TrailItem(BaseModel):
    seq: int
    event_type: str
    occurred_at: str  # canonical UTC form, the same text the hash covers
    recorded_at: str
    payload: dict[str, Any]
    hash: str


router = APIRouter()


def get_ledger(request: Request) -> Ledger:
    return request.app.state.ledger


@router.get("/healthz")
async def healthz(ledger: Ledger = Depends(get_ledger)):
    try:
        await ledger.store.ping()
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return {"status": "ok"}


@router.get("/v1/referrals/{referral_id}/trail", response_model=list[TrailItem],
            dependencies=[Depends(requiring(store_from_app, "commissioner"))],  # as the reports: commissioner
            responses={**RESPONSES, 404: {"description": "No ledger entries for the referral"}})
async def referral_trail(referral_id: str, ledger: Ledger = Depends(get_ledger)):
    entries = await ledger.trail(referral_id)
    if not entries:
        raise HTTPException(status_code=404, detail=f"no ledger entries for referral {referral_id}")
    return [trail_item(entry) for entry in entries]


def create_app(settings: Settings | None = None, broker: Any | None = None) -> FastAPI:
    """The HTTP app; with a broker, its lifespan also runs the consumers (the service process)."""
    settings = settings or ledger_settings()
    ledger = bootstrap(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await ledger.create_schema()  # the embedded run's tables; after the migrations, a no-op
        app.state.ledger = ledger
        if broker is not None:
            await broker.start()
        try:
            yield
        finally:
            if broker is not None:
                await broker.stop()
            await ledger.close()

    app = FastAPI(title="Family Pathways ledger", lifespan=lifespan, dependencies=[Depends(single_valued_query)])
    app.state.ledger = ledger
    app.state.tokens = TokenStore(settings.tokens_path())
    app.state.report_config = report_config(settings)
    app.include_router(router)
    app.include_router(report_http.router, responses=RESPONSES)
    app.include_router(ops_router(ledger.engine, broker, health=False))
    return app
