"""The email telling a provider that a referral is waiting: the provider referral id and a link to
it in the inbox pages, never anything about the people (an email can be forwarded, printed or read
over a shoulder; the inbox asks for the provider's token first)."""
from __future__ import annotations

import uuid
from email.message import EmailMessage
from urllib.parse import quote


def inbox_link(inbox_base_url: str, provider_referral_id: uuid.UUID | str) -> str:
    return f"{inbox_base_url.rstrip('/')}/inbox/referrals/{quote(str(provider_referral_id))}"


def referral_notice(delivery, inbox_base_url: str, sender: str, recipient: str) -> EmailMessage:
    """One message per delivery; its Message-ID is stable across retries so a mail client that
    receives a retried message twice can tell it is the same one."""
    prid = str(delivery.provider_referral_id)
    link = inbox_link(inbox_base_url, prid)
    updated = delivery.revision > 1
    return notice(
        f"Family Pathways: provider referral {prid}{' updated' if updated else ''}", sender, recipient,
        f"<{delivery.webhook_id}@family-pathways>",
        f"{'A provider referral you hold has been updated' if updated else 'A new provider referral is waiting for you'}"
        f" in Family Pathways.\n\n"
        f"Provider referral: {prid}\n"
        f"Open it: {link}\n\n"
        "Sign in with your service's token to see who it is for. This email carries no personal\n"
        "details on purpose: please do not reply with any.\n")


def notice(subject: str, sender: str, recipient: str, message_id: str, text: str) -> EmailMessage:
    """An automatic message (so auto-responders stay quiet) with a Message-ID stable across retries."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    return message
