"""A delivery: one revision of one provider referral, sent to the provider's webhook until the
provider acknowledges it (2xx) or it is dead-lettered after the configured number of attempts."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

WEBHOOK_EVENT_TYPE = "provider_referral.raised"


class Status(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"


def webhook_id(provider_referral_id: uuid.UUID | str, revision: int) -> str:
    """Stable per provider referral × revision, so a redelivered event or a restart never makes a
    second delivery. No "." in it: the signed content is "id.timestamp.body"."""
    return f"{provider_referral_id}_{revision}"


def is_acknowledged(status_code: int) -> bool:
    return 200 <= status_code < 300


def webhook_body(delivery: Any, projected: dict, raised_at: datetime, ages_on: date) -> bytes:
    """The exact bytes sent and signed: compact JSON, in the Standard Webhooks payload shape."""
    payload = {
        "type": WEBHOOK_EVENT_TYPE,
        "timestamp": raised_at.isoformat(),
        "data": {
            "provider_referral_id": str(delivery.provider_referral_id),
            "referral_id": str(delivery.referral_id),
            "provider": delivery.provider,
            "revision": delivery.revision,
            "urgent": delivery.urgent,
            "waitlisted": delivery.waitlisted,
            "ages_on": ages_on.isoformat(),
            **projected,
        },
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
