"""HTTP plumbing every service shares: /healthz, /readyz, /metrics, one value per query parameter,
and running under uvicorn."""
from __future__ import annotations

import asyncio
from typing import Any

import prometheus_client
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def ops_router(engine: AsyncEngine, broker: Any | None = None, *, registry=prometheus_client.REGISTRY,
               health: bool = True) -> APIRouter:
    router = APIRouter(tags=["operations"])

    if health:  # a service with a richer /healthz of its own leaves this one out
        @router.get("/healthz")
        async def healthz() -> dict:
            return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "The database or the broker is not reachable"}})
    async def readyz() -> JSONResponse:
        checks = {"database": await _database_ok(engine)}
        if broker is not None:
            checks["broker"] = await _broker_ok(broker)
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @router.get("/metrics", response_class=PlainTextResponse)  # the Prometheus text format
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


async def single_valued_query(request: Request) -> None:
    """A dependency refusing a query string that gives a parameter more than once. Every query
    parameter here takes one value, and FastAPI would silently answer with the last one given.
    Raised as a validation error, each service answers it in the shape of its other bad parameters.
    Reads the query string only, never the body (uploads stream); async, so no thread per request."""
    given: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():  # names decoded, blank values kept
        given.setdefault(name, []).append(value)
    # A blank name (`?=x`) names no parameter, so nothing answered depends on it.
    repeated = [{"type": "repeated_parameter", "loc": ("query", name),
                 "msg": f"given {len(values)} times; give it once", "input": values}
                for name, values in given.items() if name and len(values) > 1]
    if repeated:
        raise RequestValidationError(repeated)


async def validation_problems(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """An exception handler answering a request FastAPI could not validate as
    {"problems": [{"path", "type", "message"}]} (422): the path is the caller's field ("body",
    which leads every body location, left out), or query.<name> for a query value."""
    def path(loc: tuple) -> str:
        return ".".join(map(str, loc[1:] if loc[:1] == ("body",) else loc)) or "(body)"
    return JSONResponse({"problems": [{"path": path(e["loc"]), "type": e["type"], "message": e["msg"]}
                                      for e in exc.errors()]}, status_code=422)


class BodyTooLarge(HTTPException):
    """Raised while a body is read once it passes the limit (FastAPI lets an HTTPException through)."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


class BodyLimit:
    """ASGI middleware: refuse a body over `limit` bytes with 413 before the app reads it, whether
    its length is declared or it is streamed. Answers {"problems": [...]} as every API here."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_large = JSONResponse({"problems": [{"path": "(body)", "type": "body_too_large", "message":
                                                f"the request body is larger than {self.limit} bytes"}]}, 413)
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await too_large(scope, receive, send)
        seen, started = 0, False

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge(self.limit)
            return message

        async def sending(message):
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge:
            if started:
                raise
            await too_large(scope, receive, send)


def serve(app: Any, host: str, port: int) -> None:
    import uvicorn

    from .heap import settle

    settle()  # the service is imported and built: what exists now lives as long as the process
    # Logs come from our JSON logging; uvicorn's access log would print request paths with ids.
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, lifespan="on")
