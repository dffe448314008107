"""The provider inbox: server-rendered pages under /inbox where a provider signs in with its token
and works its referrals (no JavaScript; every action is a labelled form)."""
from __future__ import annotations

from fastapi import APIRouter

from pathways_router.adapters.rulebook_yaml import load_rulebook

from ...adapters.router_client import RouterClient
from .actions import inbox_actions
from .context import Inbox
from .pages import inbox_pages
from .session import Sessions


def inbox_router(notifier) -> APIRouter:
    """The pages for a composed notifier (bootstrap.Notifier)."""
    settings = notifier.settings
    names = {p.id: p.name for p in load_rulebook(settings.rulebook_path).source.providers}
    inbox = Inbox.create(
        notifier.referrals,
        Sessions(settings.inbox_secret.get_secret_value(), settings.inbox_session_minutes,
                 secure=settings.inbox_base_url.startswith("https://")),
        RouterClient(settings.router_url, notifier.http), names,
        {p for p, channels in notifier.channels.items() if "inbox" in channels})
    router = APIRouter()
    router.include_router(inbox_pages(inbox))
    router.include_router(inbox_actions(inbox))
    return router
