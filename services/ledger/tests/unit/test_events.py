import pytest

from pathways_ledger.domain.canonical import canonical_json
from pathways_ledger.domain.events import EnvelopeInvalid, entry_from_envelope


def test_an_envelope_becomes_an_entry_with_the_envelope_as_its_payload(envelope):
    doc = envelope(4, referral_id="ref-9", detailUrl="https://example.invalid/x")
    new = entry_from_envelope(doc)
    assert (new.entry_id, new.referral_id, new.event_type) == (doc["eventId"], "ref-9", doc["eventType"])
    assert new.occurred_at.utcoffset().total_seconds() == 0
    assert new.payload_json == canonical_json(doc)  # unknown members such as detailUrl kept


def test_the_entry_id_is_the_event_id_in_its_one_spelling(envelope):
    doc = envelope(1, eventId="A1B2C3D4-0000-4000-8000-000000000001")
    assert entry_from_envelope(doc).entry_id == "a1b2c3d4-0000-4000-8000-000000000001"


def test_an_hmpps_timestamp_with_nanoseconds_is_accepted(envelope):
    new = entry_from_envelope(envelope(occurredAt="2022-05-04T08:00:33.477735848+01:00"))
    assert new.occurred_at.isoformat().startswith("2022-05-04T07:00:33.477735")


@pytest.mark.parametrize("change, field", [
    ({"eventId": None}, "eventId"),
    ({"eventId": "not-a-uuid"}, "eventId"),
    ({"referralId": ""}, "referralId"),
    ({"occurredAt": "2026-10-01T09:00:00"}, "occurredAt"),  # no offset
    ({"version": "one"}, "version"),
])
def test_an_envelope_missing_what_the_ledger_needs_is_invalid(envelope, change, field):
    with pytest.raises(EnvelopeInvalid, match=field) as caught:
        entry_from_envelope({**envelope(), **change})
    assert "X000000" not in str(caught.value)  # never echoes identifiers


def test_a_member_with_no_json_form_is_invalid(envelope):
    with pytest.raises(EnvelopeInvalid):
        entry_from_envelope(envelope(additionalInformation={"score": float("nan")}))


def test_only_a_json_object_is_an_envelope():
    with pytest.raises(EnvelopeInvalid):
        entry_from_envelope(["not", "an", "object"])
