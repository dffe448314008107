"""The ReferralRouted event: the household's decision rows, as `pathways route` shows them."""
from __future__ import annotations

import uuid
from datetime import date

from pathways_shared.broker.topics import Topics
from pathways_shared.contracts.payloads import ReferralRouted
from pathways_shared.events import DomainEvent, EventType, new_event


def routed_event(topics: Topics, referral_id: uuid.UUID, revision: int, as_of: date, rulebook_version: str,
                 rows: list[dict], provider_referral_ids: list[uuid.UUID],
                 pseudonyms) -> tuple[DomainEvent, str]:
    """As raising.event_of would make it from ReferralRouted(decisions=rows). The rows hold only
    what JSON holds (strings, numbers, None, lists, dicts), which the payload's JSON dump would copy
    unchanged: so they are put in as they are, instead of being validated and dumped again."""
    payload = ReferralRouted(referral_id=referral_id, revision=revision, as_of=as_of,
                             rulebook_version=rulebook_version, decisions=[],
                             provider_referral_ids=provider_referral_ids).model_dump(mode="json")
    payload["decisions"] = rows
    event = new_event(EventType.referral_routed, referral_id, description="household referral routed",
                      additional_information=payload,
                      identifiers=[("PATHWAYS_PERSON", p) for p in pseudonyms if p])
    return event, topics.for_event(EventType.referral_routed)
