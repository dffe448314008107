"""Two delivered provider referrals of one household (POPS and TMUK) behind the notifier's app,
and a token for each kind of caller."""
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import prometheus_client
import pytest
from sqlalchemy import update

from pathways_notifier.adapters.tables import provider_referral_history, provider_referrals
from pathways_notifier.entrypoints.app import create_app
from pathways_shared.auth import TokenStore

from .conftest import all_settled, drain

TODAY = date(2026, 11, 4)                          # a Wednesday
DELIVERED = datetime(2026, 11, 2, 10, tzinfo=UTC)  # the Monday before: first contact due Monday 9th
TOKENS = {"pops": ["provider:pops"], "tmuk": ["provider:tmuk"], "commissioner": ["commissioner"],
          "admin": ["admin"], "referrer": ["referrer"]}


@dataclass
class World:
    notifier: object
    api: httpx.AsyncClient
    pops: str      # provider referral ids
    tmuk: str

    def as_(self, who: str | None) -> dict:
        return {"Authorization": f"Bearer token-{who}"} if who else {}

    async def get(self, path: str, who: str | None, **params) -> httpx.Response:
        return await self.api.get(path, headers=self.as_(who), params=params)

    async def post(self, path: str, who: str | None, body) -> httpx.Response:
        return await self.api.post(path, headers=self.as_(who), json=body)

    def on(self, day: date) -> None:
        """Let the services act on another calendar date."""
        self.notifier.referrals.today = self.notifier.reminders.today = lambda: day


async def backdate(notifier, at: datetime) -> None:
    """Make every provider referral delivered at `at` (the clock of the delivery is the real one)."""
    async with notifier.engine.begin() as conn:
        await conn.execute(update(provider_referrals).values(delivered_at=at))
        await conn.execute(update(provider_referral_history).values(changed_at=at))


@pytest.fixture
async def world(start, make_raised):
    notifier = await start(today=TODAY)
    pops = make_raised("pops", [("m1", "subject"), ("c1", "subject")])
    tmuk = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")])
    for event in (pops, tmuk):
        assert await notifier.service.on_provider_referral_event(event)
    await drain(notifier, all_settled(notifier))
    await backdate(notifier, DELIVERED)
    app = create_app(notifier=notifier, broker_registry=prometheus_client.CollectorRegistry())
    app.state.tokens = TokenStore.of([(who, f"token-{who}", scopes) for who, scopes in TOKENS.items()])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://notifier") as api:
        yield World(notifier, api, pops.additionalInformation["provider_referral_id"],
                    tmuk.additionalInformation["provider_referral_id"])
