"""A delivery: one revision of one provider referral, pushed through one of the provider's channels
(its webhook, or an email carrying only a link) until it is acknowledged (a 2xx, or the mail server
accepting the message) or dead-lettered after the configured number of attempts. The inbox channel
needs no push: a provider referral is there as soon as it is raised."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

WEBHOOK_EVENT_TYPE = "provider_referral.raised"


class Channel(StrEnum):
    webhook = "webhook"
    email = "email"
    inbox = "inbox"


PUSHED = (Channel.webhook, Channel.email)


class Status(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"
    cancelled = "cancelled"   # never sent: its consent gate closed first


def webhook_id(provider_referral_id: uuid.UUID | str, revision: int) -> str:
    """Stable per provider referral × revision, so a redelivered event or a restart never makes a
    second delivery. No "." in it: the signed content is "id.timestamp.body"."""
    return f"{provider_referral_id}_{revision}"


def delivery_id(provider_referral_id: uuid.UUID | str, revision: int, channel: str) -> str:
    """The webhook id for the webhook channel; other channels add their name to it."""
    base = webhook_id(provider_referral_id, revision)
    return base if channel == Channel.webhook else f"{base}_{channel}"


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
