"""The event envelope: round trips, clear errors for malformed input, the correlation header."""
from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st
from pydantic import ValidationError

from pathways_shared.broker.topics import Topics, dead_letter_topic
from pathways_shared.events import (
    CORRELATION_HEADER, DomainEvent, EventType, MalformedEvent, correlation_id_from, decode_event,
    encode_event, new_event, new_event_id,
)

REFERRAL = uuid.UUID("0b6f8d52-3c1e-4f6a-9d27-5e8a1c4b7f30")


def test_a_new_event_round_trips_through_bytes():
    event = new_event(EventType.referral_routed, REFERRAL, description="routed to two providers",
                      identifiers=[("PSEUDONYM", "pp_3f2a9c")], additional_information={"providers": ["p1", "p2"]})
    assert decode_event(encode_event(event)) == event


@given(
    event_type=st.sampled_from(list(EventType)),
    version=st.integers(min_value=1, max_value=99),
    offset_minutes=st.integers(min_value=-720, max_value=840),
    info=st.dictionaries(st.text(min_size=1, max_size=10), st.one_of(st.integers(), st.text(max_size=20), st.booleans())),
)
def test_any_event_round_trips(event_type, version, offset_minutes, info):
    occurred = datetime(2025, 3, 4, 10, 30, tzinfo=timezone(timedelta(minutes=offset_minutes)))
    event = new_event(event_type, uuid.uuid4(), version=version, occurred_at=occurred, additional_information=info)
    decoded = decode_event(encode_event(event))
    assert decoded == event
    assert decoded.occurredAt == occurred


def test_the_wire_form_is_the_hmpps_envelope():
    event = new_event(EventType.consent_recorded, REFERRAL, identifiers=[("PSEUDONYM", "pp_1")])
    wire = json.loads(encode_event(event))
    assert wire["eventType"] == "pathways.referral.consent-recorded"
    assert wire["personReference"] == {"identifiers": [{"type": "PSEUDONYM", "value": "pp_1"}]}
    assert {"eventId", "version", "occurredAt", "description", "additionalInformation", "referralId"} <= wire.keys()
    assert event.partition_key == str(REFERRAL).encode()


def test_unknown_fields_are_tolerated_so_producers_can_add_them():
    wire = json.loads(encode_event(new_event(EventType.referral_submitted, REFERRAL)))
    wire["detailUrl"] = "https://example.invalid/referrals/1"
    wire["somethingNew"] = 1
    assert decode_event(json.dumps(wire)).detailUrl == "https://example.invalid/referrals/1"


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"),
    (None, "empty"),
    (b"not json at all", "not a valid domain event"),
    (b"\xff\xfe\x00", "not a valid domain event"),
    (b"[1, 2]", "not a valid domain event"),
    (b'{"eventType": "pathways.referral.submitted"}', "eventId: Field required"),
])
def test_malformed_input_raises_a_clear_error(body, reason):
    with pytest.raises(MalformedEvent, match=reason):
        decode_event(body)


def test_unknown_event_types_and_naive_times_are_malformed():
    wire = json.loads(encode_event(new_event(EventType.referral_submitted, REFERRAL)))
    with pytest.raises(MalformedEvent, match="eventType"):
        decode_event(json.dumps({**wire, "eventType": "pathways.referral.submit"}))
    with pytest.raises(MalformedEvent, match="occurredAt"):
        decode_event(json.dumps({**wire, "occurredAt": "2025-03-04T10:30:00"}))


@pytest.mark.parametrize("clear", ["X123456", "A1234BC", " a1234bc "])
def test_clear_crn_or_noms_numbers_are_refused(clear):
    with pytest.raises(ValueError, match="pseudonyms only"):
        new_event(EventType.referral_submitted, REFERRAL, identifiers=[("CRN", clear)])


def test_event_names_are_past_tense_and_each_has_a_topic():
    topics = Topics("pathways.")
    assert topics.for_event(EventType.referral_submitted) == "pathways.referrals"
    assert topics.for_event(EventType.consent_recorded) == "pathways.referrals"
    assert topics.for_event(EventType.referral_routed) == "pathways.decisions"
    assert topics.for_event(EventType.provider_referral_raised) == "pathways.provider-referrals"
    assert topics.for_event("pathways.provider-referral.delivery-failed") == "pathways.deliveries"
    assert dead_letter_topic(topics.deliveries) == "pathways.deliveries.dlq"
    assert topics.for_event(EventType.provider_referral_status_changed) == "pathways.provider-activity"
    assert len(topics.all()) == 10
    for event_type in EventType:
        assert event_type.value.rsplit(".", 1)[1].endswith("ed"), event_type
        assert topics.for_event(event_type) in topics.main()


def test_correlation_id_is_read_from_either_header_shape():
    assert correlation_id_from([(CORRELATION_HEADER, b"c-1"), ("other", b"x")]) == "c-1"
    assert correlation_id_from({CORRELATION_HEADER: "c-2"}) == "c-2"
    assert correlation_id_from([("other", b"x")]) is None
    assert correlation_id_from(None) is None


def test_events_are_immutable():
    event = new_event(EventType.referral_submitted, REFERRAL)
    with pytest.raises(ValidationError, match="frozen"):
        event.version = 2  # type: ignore[misc]
    assert event.version == 1 and event.occurredAt.tzinfo is not None
    assert event.occurredAt <= datetime.now(UTC)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


@given(
    offset_minutes=st.integers(min_value=-720, max_value=840),
    microsecond=st.sampled_from([0, 1, 998477]),
    info=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
    detail=st.none() | st.just("https://example.invalid/cases/1"),
)
def test_the_fast_encoder_writes_exactly_what_pydantic_writes(offset_minutes, microsecond, info, detail):
    occurred = datetime(2026, 11, 2, 6, 30, 15, microsecond, tzinfo=timezone(timedelta(minutes=offset_minutes)))
    event = new_event(EventType.referral_routed, REFERRAL, description="routed — ✓", occurred_at=occurred,
                      additional_information=info, identifiers=[("PSEUDONYM", "pp_1")]).model_copy(
                          update={"detailUrl": detail})
    assert encode_event(event) == event.model_dump_json(exclude_none=True).encode()


def test_values_the_fast_encoder_cannot_write_fall_back_to_pydantic():
    from decimal import Decimal

    event = new_event(EventType.referral_routed, REFERRAL, additional_information={
        "amount": Decimal("1.50"), "huge": 2**70, "when": datetime(2026, 1, 1, tzinfo=UTC), "id": REFERRAL})
    assert encode_event(event) == event.model_dump_json(exclude_none=True).encode()


def test_new_event_ids_are_version_7_uuids_that_grow_with_time():
    before = time.time_ns() // 1_000_000
    ids = [new_event_id() for _ in range(20_000)]
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == len(ids)
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}
    assert all(before <= i.int >> 80 <= after for i in ids)  # the first 48 bits: milliseconds
    assert len({i.int & ((1 << 62) - 1) for i in ids}) == len(ids)  # the rest is random
    time.sleep(0.002)
    later = new_event_id()
    assert all(i < later and i.hex < later.hex for i in ids)  # as a UUID and as stored text
    assert new_event(EventType.referral_routed, uuid.uuid4()).eventId.version == 7
