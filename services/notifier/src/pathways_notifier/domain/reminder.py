"""The first-contact reminder as a provider receives it: a signed webhook message or a short email.
Both carry the provider referral id and dates only, never anything about the people."""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from email.message import EmailMessage

from pathways_shared.contracts.payloads import FirstContactReminderRaised

from .notice import inbox_link, notice

REMINDER_WEBHOOK_TYPE = "provider_referral.first_contact_reminder_raised"
# A reminder travels as a delivery of its own, told apart from a referral's by its channel.
REMINDER_CHANNELS = {"webhook": "reminder-webhook", "email": "reminder-email"}


def is_reminder(channel: str) -> bool:
    return channel in REMINDER_CHANNELS.values()


def reminder_delivery_id(provider_referral_id: uuid.UUID | str, channel: str) -> str:
    """One reminder per provider referral, so one id per channel; no "." (it is signed)."""
    return f"{provider_referral_id}_reminder" + ("" if channel == "webhook" else f"_{channel}")


def reminder_body(reminder: FirstContactReminderRaised, raised_at: datetime) -> bytes:
    """The exact bytes sent and signed, in the same shape as a referral's webhook."""
    payload = {
        "type": REMINDER_WEBHOOK_TYPE,
        "timestamp": raised_at.isoformat(),
        "data": {
            "provider_referral_id": str(reminder.provider_referral_id),
            "referral_id": str(reminder.referral_id),
            "provider": reminder.provider,
            "delivered_on": reminder.delivered_on.isoformat(),
            "first_contact_due_on": reminder.due_on.isoformat(),
            "working_days": reminder.working_days,
        },
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def reminder_notice(reminder: FirstContactReminderRaised, inbox_base_url: str, sender: str,
                    recipient: str) -> EmailMessage:
    """The reminder email; its Message-ID is stable across retries, like the referral's (and short
    enough not to be folded)."""
    prid = str(reminder.provider_referral_id)
    return notice(
        f"Family Pathways: first contact overdue, provider referral {prid}", sender, recipient,
        f"<{prid}.reminder@family-pathways>",
        f"First contact on a provider referral you hold was due by {reminder.due_on:%d %B %Y}"
        f" ({reminder.working_days} working days after it was delivered on {reminder.delivered_on:%d %B %Y})"
        f" and has not been recorded.\n\n"
        f"Provider referral: {prid}\n"
        f"Open it: {inbox_link(inbox_base_url, prid)}\n\n"
        "Record first contact there, or put the referral on hold with a reason. This email carries\n"
        "no personal details on purpose: please do not reply with any.\n")
