"""HMPPS domain event messages for tests and the demo, in both shapes the feed accepts.

Each sample is equivalent to one of the published HMPPS fixtures kept beside the repository in
../shared/samples/hmpps-domain-events/ (identifiers synthetic). `sample()` reads that file when
it is there and falls back to the copy held here, so nothing depends on it being present.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

# Published by the prison, licence, approved premises and allocation services respectively.
_EVENTS = {
    "prisoner-released-sns-envelope.json": ("682dd2a4-c193-461c-a8e9-cc976a961aa5", {
        "eventType": "prison-offender-events.prisoner.released",
        "additionalInformation": {"nomsNumber": "A0001AA", "reason": "RELEASED", "details": "Movement reason code NCS",
                                  "nomisMovementReasonCode": "NCS", "currentLocation": "OUTSIDE_PRISON",
                                  "prisonId": "WSI", "currentPrisonStatus": "NOT_UNDER_PRISON_CARE"},
        "version": 1, "occurredAt": "2022-05-04T07:03:50.912169+01:00",
        "publishedAt": "2022-05-04T08:00:33.477735848+01:00", "description": "A prisoner has been released from prison",
        "personReference": {"identifiers": [{"type": "NOMS", "value": "A0001AA"}]}}),
    "prisoner-received-recalled-sns-envelope.json": ("a7c8e4ab-5d55-45a5-b69d-2ad0539245de", {
        "eventType": "prison-offender-events.prisoner.received",
        "additionalInformation": {"nomsNumber": "A0006AA", "reason": "ADMISSION", "probableCause": "RECALL",
                                  "source": "PRISON", "nomisMovementReasonCode": "24", "details": "ACTIVE IN:ADM-24",
                                  "currentLocation": "IN_PRISON", "prisonId": "WSI",
                                  "currentPrisonStatus": "UNDER_PRISON_CARE"},
        "version": 1, "occurredAt": "2023-08-04T08:09:36.649098+01:00",
        "publishedAt": "2023-08-04T09:06:46.65281576+01:00", "description": "A prisoner has been received into prison",
        "personReference": {"identifiers": [{"type": "NOMS", "value": "A0006AA"}]}}),
    "licence-activated-cvl.json": (None, {
        "eventType": "create-and-vary-a-licence.licence.activated", "version": 1,
        "description": "A licence has been activated",
        "detailUrl": "http://localhost:{wiremock.port}/cvl/events/licence-condition-applied/"
                     "df2d3748-2619-4e27-b864-946e125ffb3e",
        "occurredAt": "2022-12-04T10:42:43+00:00",
        "personReference": {"identifiers": [{"type": "CRN", "value": "L453621"}]}}),
    "approved-premises-booking-made.json": (None, {
        "eventType": "approved-premises.booking.made", "version": 1,
        "description": "An Approved Premises booking has been made",
        "detailUrl": "http://localhost:{dev.wiremock.port}/approved-premises-api/events/booking-made/"
                     "364145f9-0af8-488e-9901-b4c46cd9ba37",
        "occurredAt": "2022-12-04T10:42:43+00:00",
        "additionalInformation": {"applicationId": "364145f9-0af8-488e-9901-b4c46cd9ba37"},
        "personReference": {"identifiers": [{"type": "CRN", "value": "A000001"}]}}),
    "event-manager-allocated-new-order-sns-envelope.json": ("ae06c49e-1f41-4b9f-b2f2-dcca610d02cd", {
        "eventType": "event.manager.allocated", "version": 1, "description": "Event allocated event",
        "detailUrl": "http://localhost:{dev.wiremock.port}/allocation/event/allocate-new-order-manager",
        "occurredAt": "2022-07-28T10:30:55.0123+01:00",
        "additionalInformation": {"allocationId": "5716275b-127e-4115-971f-0c131bcbf065"},
        "personReference": {"identifiers": [{"type": "CRN", "value": "X123456"}]}}),
    "intervention-referral-ended-withdrawn-sns-envelope.json": ("aa2c2828-167f-529b-8e19-78535a2fb85c", {
        "eventType": "intervention.referral.ended", "version": 1, "description": "Referral Ended",
        "detailUrl": "http://localhost:{wiremock.port}/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22",
        "occurredAt": "2023-02-23T15:55:21.1065440Z",
        "additionalInformation": {"deliveryState": "CANCELLED", "withdrawalCode": "NSI1",
                                  "referralId": "f56c5f7c-632f-4cad-a1b3-693541cb5f22"},
        "personReference": {"identifiers": [{"type": "CRN", "value": "T140223"}]}}),
}
# The five the intake acts on, and the case each names in examples/probation/cases.json.
ACTED_ON_SAMPLES = {
    "prisoner-released-sns-envelope.json": "P100001",
    "prisoner-received-recalled-sns-envelope.json": "R100006",
    "licence-activated-cvl.json": "L453621",
    "approved-premises-booking-made.json": "A000001",
    "event-manager-allocated-new-order-sns-envelope.json": "X123456",
}
NOT_ACTED_ON_SAMPLE = "intervention-referral-ended-withdrawn-sns-envelope.json"


def shared_samples_dir(repo_root: Path) -> Path:
    return repo_root.parent / "shared" / "samples" / "hmpps-domain-events"


def sample(name: str, shared_dir: Path | None = None) -> dict:
    """The message as published: the shared fixture file when present, else the copy held here."""
    if shared_dir is not None and (shared_dir / name).is_file():
        return json.loads((shared_dir / name).read_text(encoding="utf-8"))
    message_id, event = _EVENTS[name]
    return sns(event, message_id) if message_id else dict(event)


def bare(message: dict) -> dict:
    """The event itself, unwrapped when the message is an SNS notification."""
    return json.loads(message["Message"]) if isinstance(message.get("Message"), str) else message


def sns(event: dict, message_id: str | None = None) -> dict:
    """The event wrapped as SNS delivers it: a Notification whose Message is the event as JSON."""
    return {"Type": "Notification", "MessageId": message_id or str(uuid.uuid4()), "TopicArn": "",
            "Message": json.dumps(event),
            "MessageAttributes": {"eventType": {"Type": "String", "Value": event.get("eventType", "")}}}


def one_line(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()
