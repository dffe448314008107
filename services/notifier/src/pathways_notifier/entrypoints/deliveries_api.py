"""The operators' view of webhook and email deliveries (admin only: they name providers' referrals).

    GET  /v1/deliveries[?status=&provider=&limit=]   oldest first; ?status=dead lists the dead-lettered
    GET  /v1/deliveries/{webhook_id}
    POST /v1/deliveries/{webhook_id}/replay          a dead-lettered delivery sent again

Errors are {"problems": [{"path", "type", "message"}]}, as in the provider API.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from pathways_shared.auth import RESPONSES, requiring, store_from_app

from ..adapters import repository as repo
from ..domain.delivery import Status
from .api_docs import PROBLEMS, problem, unknown_provider


def _no_such(webhook_id: str):
    return problem(404, "webhook_id", "unknown_delivery", f"no delivery {webhook_id!r}")


def deliveries_router() -> APIRouter:
    router = APIRouter(tags=["deliveries"], responses=RESPONSES,
                       dependencies=[Depends(requiring(store_from_app, "admin"))])

    @router.get("/v1/deliveries", responses={422: PROBLEMS})
    async def list_deliveries(request: Request, status: Status | None = None, provider: str | None = None,
                              limit: int = Query(500, ge=1, le=5000)) -> list[dict]:
        """Deliveries oldest first; `?status=dead` lists the dead-lettered ones."""
        notifier = request.app.state.notifier
        if why := unknown_provider(provider, notifier.channels):
            return problem(422, "query.provider", "unknown_provider", why)
        async with notifier.engine.connect() as conn:
            rows = await repo.list_deliveries(conn, status.value if status else None, provider, limit)
        return [repo.summary(r) for r in rows]

    @router.get("/v1/deliveries/{webhook_id}", responses={404: PROBLEMS})
    async def get_delivery(request: Request, webhook_id: str) -> dict:
        async with request.app.state.notifier.engine.connect() as conn:
            row = await repo.get_delivery(conn, webhook_id)
        if row is None:
            return _no_such(webhook_id)
        return repo.summary(dict(row._mapping))

    @router.post("/v1/deliveries/{webhook_id}/replay", responses={404: PROBLEMS, 409: PROBLEMS})
    async def replay(request: Request, webhook_id: str) -> dict:
        """Send a dead-lettered delivery again: pending, due now, attempts back to 0."""
        notifier = request.app.state.notifier
        async with notifier.engine.begin() as conn:
            replayed = await repo.replay(conn, [webhook_id])
            row = None if replayed else await repo.get_delivery(conn, webhook_id)
        if not replayed:
            if row is None:
                return _no_such(webhook_id)
            return problem(409, "webhook_id", "not_dead_lettered",
                           f"delivery {webhook_id!r} is {row.status}; only a dead-lettered one is replayed",
                           delivery_status=row.status)
        notifier.worker.wake()
        return {"webhook_id": webhook_id, "status": Status.pending.value, "attempts": 0}

    return router
