"""Consent changes to a stored document, content equality, and the status a referral reports."""
import hashlib
import hmac
import json

import pytest

from pathways_intake.domain.progress import Delivery, ReferralStatus, referral_status
from pathways_intake.domain.referrals import (
    PersonNotInReferral, content_hash, stored_document, unkeyed_content_hash, with_consent,
)
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.vocabulary import Consent


def test_the_index_persons_consent_is_consent_to_contact_the_family(referral):
    document = stored_document(parse_referral(referral))
    changed = with_consent(document, "ix", Consent.granted)
    assert changed["index_person"]["consent_to_contact_family"] == "granted"
    assert document["index_person"]["consent_to_contact_family"] == "pending", "the original is untouched"
    assert changed["family_members"] == document["family_members"]


def test_a_family_members_consent_is_their_own_consent_to_contact(referral):
    document = stored_document(parse_referral(referral))
    changed = with_consent(document, "c1", Consent.refused)
    assert [m["consent_to_contact"] for m in changed["family_members"]] == ["granted", "refused"]
    assert changed["index_person"] == document["index_person"]


def test_unchanged_consent_is_no_change_and_an_unknown_person_is_refused(referral):
    document = stored_document(parse_referral(referral))
    assert with_consent(document, "m1", Consent.granted) is None
    with pytest.raises(PersonNotInReferral):
        with_consent(document, "nobody", Consent.granted)


KEY = b"test-pseudonym-key-0123456789"


def test_content_is_compared_as_the_contract_reads_it(referral):
    reordered = json.loads(json.dumps(referral, sort_keys=True))
    reordered["index_person"]["given_name"] = "  Sam "
    assert content_hash(parse_referral(reordered), KEY) == content_hash(parse_referral(referral), KEY)
    referral["family_members"][0]["age_years"] = 48
    assert content_hash(parse_referral(referral), KEY) != content_hash(parse_referral(reordered), KEY)


def test_the_content_digest_is_keyed(referral):
    parsed = parse_referral(referral)
    canonical = json.dumps(stored_document(parsed), sort_keys=True, separators=(",", ":")).encode()
    assert content_hash(parsed, KEY) == hmac.new(KEY, canonical, hashlib.sha256).hexdigest()
    assert content_hash(parsed, KEY) != content_hash(parsed, b"another-key-0123456789")
    assert hashlib.sha256(canonical).hexdigest() == unkeyed_content_hash(parsed) != content_hash(parsed, KEY)


def test_the_stored_document_carries_its_effective_id(referral):
    del referral["referral_id"]
    parsed = parse_referral(referral)
    assert stored_document(parsed)["referral_id"] == str(parsed.effective_id())
    assert parse_referral(stored_document(parsed)).effective_id() == parsed.effective_id()


@pytest.mark.parametrize(("routed", "deliveries", "expected"), [
    (False, [], ReferralStatus.submitted),
    (False, [Delivery.pending], ReferralStatus.submitted),
    (True, [], ReferralStatus.routed),
    (True, [Delivery.delivered, Delivery.pending], ReferralStatus.routed),
    (True, [Delivery.delivered, Delivery.delivered], ReferralStatus.delivered),
    (True, [Delivery.delivered, Delivery.failed], ReferralStatus.delivery_failed),
    (False, [Delivery.failed], ReferralStatus.delivery_failed),
])
def test_status_follows_routing_then_every_delivery(routed, deliveries, expected):
    assert referral_status(routed, deliveries) is expected
