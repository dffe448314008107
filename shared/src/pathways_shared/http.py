"""HTTP plumbing every service shares: /healthz, /readyz, /metrics, and running under uvicorn."""
from __future__ import annotations

import asyncio
from typing import Any

import prometheus_client
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def ops_router(engine: AsyncEngine, broker: Any | None = None, *, registry=prometheus_client.REGISTRY,
               health: bool = True) -> APIRouter:
    router = APIRouter(tags=["operations"])

    if health:  # a service with a richer /healthz of its own leaves this one out
        @router.get("/healthz")
        async def healthz() -> dict:
            return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = {"database": await _database_ok(engine)}
        if broker is not None:
            checks["broker"] = await _broker_ok(broker)
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(prometheus_client.generate_latest(registry), media_type=prometheus_client.CONTENT_TYPE_LATEST)

    return router


async def _database_ok(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(3):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def _broker_ok(broker: Any) -> bool:
    try:
        return bool(await broker.ping(timeout=3))
    except Exception:
        return False


def serve(app: Any, host: str, port: int) -> None:
    import uvicorn

    # Logs come from our JSON logging; uvicorn's access log would print request paths with ids.
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, lifespan="on")
