"""GET /v1/probation/unresolved: HMPPS events whose case could not be looked up yet, for the
people who keep the feed running. It shows what and when, never whom: no identifiers, no raw body.
"""
from __future__ import annotations

from fastapi import APIRouter, Query, Request

from . import inbox

router = APIRouter(prefix="/v1/probation", tags=["probation"])


@router.get("/unresolved")
async def unresolved_events(request: Request, limit: int = Query(100, ge=1, le=1000)) -> dict:
    """Unresolved events, oldest first: each is retried with backoff until its case resolves."""
    engine = request.app.state.intake.engine
    async with engine.connect() as conn:
        rows = await inbox.unresolved(conn, limit)
    return {"unresolved": [{
        "message_id": row.id,
        "event_type": row.event_type,
        "received_at": inbox.aware(row.received_at).isoformat(),
        "attempts": row.attempts,
        "next_attempt_at": inbox.aware(row.next_attempt_at).isoformat() if row.next_attempt_at else None,
        "last_error": row.last_error,
    } for row in rows]}
