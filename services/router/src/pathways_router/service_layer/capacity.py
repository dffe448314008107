"""A provider's capacity at run time (POLICY.md §4). Setting it overrides the rulebook's declared
status; a change that makes held decisions routable releases them in order of arrival, by routing
their households again, oldest first, in the same transaction as the change."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pathways_shared.contracts.payloads import ProviderCapacityChanged, provider_stream_id
from pathways_shared.events import EventType

from ..adapters import provider_state as state
from ..domain.grouping import routable
from ..domain.outcomes import Capacity, Decision
from . import raising
from .handlers import RouterService


class UnknownProvider(LookupError):
    pass


@dataclass
class CapacityChange:
    provider: str
    previous: Capacity
    capacity: Capacity
    released: list[uuid.UUID] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.previous is not self.capacity


async def providers(service: RouterService) -> list[dict]:
    async with service.engine.connect() as conn:
        overrides = await state.capacity_overrides(conn)
    out = []
    for p in service.book.providers:
        set_ = overrides.get(p.id)
        out.append({"provider": p.id, "name": p.name, "capacity": set_["capacity"] if set_ else p.capacity.value,
                    "declared": p.capacity.value, "set_at": set_["changed_at"].isoformat() if set_ else None})
    return out


async def change_capacity(service: RouterService, provider: str, capacity: Capacity, by: str) -> CapacityChange:
    if provider not in {p.id for p in service.book.providers}:
        raise UnknownProvider(provider)
    async with service.engine.begin() as conn:
        await state.lock_provider(conn, provider)
        change = CapacityChange(provider, (await raising.capacity_now(conn, service.book))[provider], capacity)
        if not change.changed:
            return change  # setting what already holds changes nothing and says nothing
        now = datetime.now(UTC)
        await state.set_capacity(conn, provider, capacity.value, by, now)
        releasable = [d.value for d in (Decision.eligible, Decision.stretch) if routable(d, capacity)]
        for referral_id in await state.households_awaiting(conn, provider, releasable):
            raised = await service.reroute(conn, referral_id)
            change.released += [p.provider_referral_id for p in raised if p.provider == provider]
        payload = ProviderCapacityChanged(provider=provider, previous=change.previous.value, capacity=capacity.value,
                                          changed_at=now, released=change.released)
        await raising.publish(conn, service.topics, EventType.provider_capacity_changed, provider_stream_id(provider),
                              payload, [], f"{provider} capacity changed to {capacity.value}")
    return change
