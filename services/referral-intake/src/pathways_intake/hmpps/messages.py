"""HMPPS domain event messages as they arrive: bare, or wrapped in an SNS notification whose
`Message` is the event as a JSON string. The published schema requires only eventType, version
and occurredAt; everything else is optional and unknown fields are tolerated.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from pathways_shared import jsonsafe
from pathways_shared.events import MalformedEvent

LONDON = ZoneInfo("Europe/London")
MAX_MESSAGE_ID = 100  # the inbox key's width; a longer MessageId is not an SNS one
EARLIEST_YEAR, LATEST_YEAR = 1900, 9000
LONE_SURROGATE = re.compile("[\ud800-\udfff]")   # half a UTF-16 pair, as a JSON escape may leave one


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class HmppsIdentifier(_Tolerant):
    type: str
    value: str


def _null_is(empty) -> BeforeValidator:
    """Publishers that write out empty fields send null: read as none given."""
    return BeforeValidator(lambda value: empty() if value is None else value)


def _a_time_events_happen(moment: datetime) -> datetime:
    """Stored in UTC and read as a London date, with a week either side (stages.SAME_RELEASE): a
    moment outside these years has no such date, and none is a time an event happened."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise PydanticCustomError("datetime_out_of_range", f"out of range: not between {EARLIEST_YEAR} and "
                                  f"{LATEST_YEAR}")
    return moment


class HmppsPersonReference(_Tolerant):
    identifiers: Annotated[list[HmppsIdentifier], _null_is(list)] = Field(default_factory=list)


class HmppsEvent(_Tolerant):
    eventType: str = Field(min_length=1)   # any length: a type not acted on is skipped, whatever it is
    version: int
    occurredAt: Annotated[AwareDatetime, AfterValidator(_a_time_events_happen)]
    description: str | None = None
    detailUrl: str | None = None
    additionalInformation: Annotated[dict[str, Any], _null_is(dict)] = Field(default_factory=dict)
    personReference: HmppsPersonReference | None = None

    def occurred_on(self) -> date:
        """The calendar date it happened in England, where a release date is a London date."""
        return self.occurredAt.astimezone(LONDON).date()

    def identifier(self, kind: str) -> str | None:
        for identifier in self.personReference.identifiers if self.personReference else ():
            if identifier.type.upper() == kind and identifier.value.strip():
                return identifier.value.strip().upper()
        return None


@dataclass(frozen=True)
class CaseIdentifiers:
    """What an event says about whose case it is."""
    crn: str | None = None
    noms: str | None = None
    detail_url: str | None = None

    def __bool__(self) -> bool:
        return bool(self.crn or self.noms or self.detail_url)


def case_identifiers(event: HmppsEvent) -> CaseIdentifiers:
    # Prison events name the person in additionalInformation.nomsNumber too.
    noms = event.identifier("NOMS") or str(event.additionalInformation.get("nomsNumber") or "").strip().upper()
    return CaseIdentifiers(event.identifier("CRN"), noms or None, event.detailUrl)


@dataclass(frozen=True)
class Identified:
    """The inbox key of a message and, when it can be read, its event type."""
    message_id: str
    event_type: str | None


def identify(raw: bytes) -> Identified:
    """Never raises: a message that cannot be read is still stored, under its digest."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        body = jsonsafe.loads(raw)
    except ValueError:  # includes a body that is not UTF-8
        return Identified(digest, None)
    sns = _is_sns(body)
    envelope_id = body.get("MessageId") if sns else None
    usable = (isinstance(envelope_id, str) and 0 < len(envelope_id) <= MAX_MESSAGE_ID and "\x00" not in envelope_id
              and not LONE_SURROGATE.search(envelope_id))
    message_id = envelope_id if usable else digest
    try:
        event = jsonsafe.loads(body["Message"]) if sns else body
    except ValueError:
        event = None
    event_type = event.get("eventType") if isinstance(event, dict) else None
    return Identified(message_id, event_type[:200] if isinstance(event_type, str) else None)


def decode(raw: str | bytes) -> HmppsEvent:
    """The event, unwrapped from SNS when wrapped. Raises MalformedEvent, ValidationError or
    ValueError (bad or too deeply nested JSON), all dead-lettered: a message that can never be an event."""
    if isinstance(raw, bytes):   # as the inbox keeps it: json would also take UTF-16 bytes
        raw = raw.decode("utf-8")   # UnicodeDecodeError: dead-lettered
    body = jsonsafe.loads(raw)
    if not isinstance(body, dict):
        raise MalformedEvent("message is not a JSON object")
    if _is_sns(body):
        if body.get("Type", "Notification") != "Notification":
            raise MalformedEvent(f"SNS message of type {str(body.get('Type'))[:40]!r} is not a notification")
        body = jsonsafe.loads(body["Message"])
        if not isinstance(body, dict):
            raise MalformedEvent("SNS Message is not a JSON object")
    if LONE_SURROGATE.search(json.dumps(body, ensure_ascii=False)):   # nothing could store or send it on
        raise MalformedEvent("message holds an unpaired UTF-16 surrogate (\\ud800-\\udfff), which is no character")
    return HmppsEvent.model_validate(body)


def _is_sns(body: Any) -> bool:
    # Some publishers omit Type; a string Message without an eventType beside it is the envelope.
    return isinstance(body, dict) and isinstance(body.get("Message"), str) and "eventType" not in body
