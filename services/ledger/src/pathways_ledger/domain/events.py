"""The event envelope the ledger records: HMPPS domain-event shape plus the referral it concerns.

Shape after the HMPPS domain events (../shared/samples/README.md): ``eventType``, ``version``,
``occurredAt``, ``personReference.identifiers[]``, ``additionalInformation``; this platform adds
``eventId`` (a UUID, the idempotency key and the ledger's entry id) and ``referralId``.
Unknown members are kept: the ledger stores the envelope as received.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from pathways_ledger.domain.canonical import NotCanonicalisable
from pathways_ledger.domain.chain import NewEntry


class EnvelopeInvalid(ValueError):
    """The event cannot be recorded: a required member is missing or malformed."""


class PersonIdentifier(BaseModel):
    type: str
    value: str


class PersonReference(BaseModel):
    identifiers: list[PersonIdentifier] = []


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    event_id: uuid.UUID = Field(alias="eventId")
    event_type: str = Field(alias="eventType", min_length=1, max_length=200)
    version: int
    occurred_at: AwareDatetime = Field(alias="occurredAt")
    referral_id: str = Field(alias="referralId", min_length=1, max_length=200)
    person_reference: PersonReference | None = Field(None, alias="personReference")
    additional_information: dict[str, Any] = Field(default_factory=dict, alias="additionalInformation")


def entry_from_envelope(envelope: Mapping[str, Any]) -> NewEntry:
    """The ledger entry for one envelope; the payload is the envelope itself, unaltered."""
    if not isinstance(envelope, Mapping):
        raise EnvelopeInvalid(f"an event envelope is a JSON object, not {type(envelope).__name__}")
    try:
        parsed = EventEnvelope.model_validate(dict(envelope))
        return NewEntry.of(entry_id=parsed.event_id, referral_id=parsed.referral_id, event_type=parsed.event_type,
                           occurred_at=parsed.occurred_at, payload=envelope)
    except ValidationError as exc:
        # Field locations and error types only: values may be personal data.
        where = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(envelope)'}: {e['type']}" for e in exc.errors())
        raise EnvelopeInvalid(where) from None
    except NotCanonicalisable as exc:
        raise EnvelopeInvalid(str(exc)) from None
