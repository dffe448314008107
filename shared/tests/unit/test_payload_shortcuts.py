"""Shortcuts the intake takes when it already holds a referral's JSON form and pseudonyms: the
same payloads and problems as the general path."""
import uuid
from datetime import UTC, date, datetime

from pathways_shared.contracts.payloads import ReferralSubmitted, ReferralUpdated
from pathways_shared.contracts.problems import cross_field_errors, household_errors
from pathways_shared.contracts.profiles import household_profiles
from pathways_shared.contracts.referral_v1 import FamilyMember, HouseholdReferral, IndexPerson, Source
from pathways_shared.contracts.routing_views import (
    referral_submitted_event, routing_view, submitted_payload, updated_payload,
)
from pathways_shared.privacy import household_pseudonyms
from pathways_shared.testing.households import generate_households

KEY = b"a pseudonym key of some length"


def referrals() -> list[HouseholdReferral]:
    return [HouseholdReferral.model_validate(d) for d in generate_households(60, seed=11)]


def document_of(referral: HouseholdReferral) -> dict:
    document = referral.model_dump(mode="json", exclude_none=True)
    document["referral_id"] = str(referral.effective_id())
    return document


def test_a_routing_view_from_the_document_is_the_one_from_the_referral():
    for referral in referrals():
        document = document_of(referral)
        before = repr(document)
        for on in (None, date(2031, 1, 1)):
            assert routing_view(referral, on, document) == routing_view(referral, on)
        assert repr(document) == before  # the caller's document is not changed


def test_the_submitted_payload_is_the_models_json_form():
    received = datetime(2026, 11, 2, 6, 30, 1, 250, tzinfo=UTC)
    for referral in referrals():
        view, pseudonyms = routing_view(referral), household_pseudonyms(referral, KEY)
        model = ReferralSubmitted(referral_id=referral.effective_id(), revision=3,
                                  source_type=referral.source.type.value, received_at=received,
                                  routing_view=view, pseudonyms=pseudonyms, profiles=household_profiles(referral))
        made = submitted_payload(referral, 3, received, view, pseudonyms)
        assert made == model.model_dump(mode="json")
        assert list(made) == list(model.model_dump(mode="json"))


def test_the_updated_payload_is_the_models_json_form():
    for referral in referrals():
        view = routing_view(referral, date(2027, 3, 1))
        model = ReferralUpdated(referral_id=referral.effective_id(), revision=4, changed_fields=["stage", "age"],
                                cause="caseload_export", routing_view=view, profiles=household_profiles(referral))
        made = updated_payload(referral, 4, ["stage", "age"], "caseload_export", view)
        assert made == model.model_dump(mode="json")
        assert list(made) == list(model.model_dump(mode="json"))


def test_an_event_from_given_pseudonyms_and_document_is_the_event_made_without_them():
    received = datetime(2026, 11, 2, 6, tzinfo=UTC)
    for referral in referrals()[:10]:
        plain = referral_submitted_event(referral, revision=1, received_at=received, pseudonym_key=KEY)
        given = referral_submitted_event(referral, revision=1, received_at=received, pseudonym_key=KEY,
                                         pseudonyms=household_pseudonyms(referral, KEY), document=document_of(referral))
        assert given.model_dump(exclude={"eventId", "occurredAt"}) == plain.model_dump(exclude={"eventId", "occurredAt"})


def test_household_errors_are_the_cross_field_errors_of_the_json_form():
    for referral in referrals():
        assert household_errors(referral) == cross_field_errors(referral.model_dump(mode="json")) == []
    base = referrals()[0]
    index = base.index_person.model_copy(update={"person_ref": "ix", "date_of_birth": date(2040, 1, 1)})
    member = FamilyMember.model_construct(**{**dict(base.index_person), "person_ref": "ix", "carer_ref": "nobody",
                                             "relationship": "child", "date_of_birth": date(2041, 2, 3)})
    broken = HouseholdReferral.model_construct(
        schema_version="1", referral_id=None, referred_at=datetime(2026, 1, 1, 23, 30, tzinfo=UTC),
        source=Source.model_construct(type="prison", organisation=None, contact_name=None, contact_email=None,
                                      provider_id="pops", parent_referral_id=uuid.uuid4()),
        index_person=IndexPerson.model_construct(**dict(index)), family_members=[member, member])
    found = household_errors(broken)
    assert {p.type for p in found} >= {"duplicate_person_ref", "unknown_carer_ref", "provider_id_not_allowed",
                                       "parent_not_allowed", "born_after_referral"}
    assert found == cross_field_errors(broken.model_dump(mode="json", warnings=False))
