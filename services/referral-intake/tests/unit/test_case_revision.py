"""A known case restated by a newer row: the referral made from the row's own (restated_referral)
and the ReferralUpdated made from it are exactly what reading the restated document again gave."""
import json
from datetime import date
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from pathways_shared.contracts.ages import ages_day, next_age_change
from pathways_shared.contracts.payloads import ReferralUpdated
from pathways_shared.contracts.profiles import household_profiles
from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.contracts.routing_views import routing_view
from pathways_shared.privacy import household_pseudonyms
from pathways_shared.testing.households import generate_households

from pathways_intake.adapters.crypto import Keyring
from pathways_intake.adapters.protected import ProtectedStore
from pathways_intake.domain.personal import ERASED
from pathways_intake.domain.referrals import stored_document
from pathways_intake.domain.restated import restated, restated_referral
from pathways_intake.service_layer.case_revision import _Revision

KEY = b"a pseudonym key of some length"
STORE = ProtectedStore(Keyring.of("k1", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="), KEY)
TODAY = date(2026, 11, 2)


def households(n: int, seed: int) -> list[dict]:
    return list(generate_households(n, seed=seed))


def pairs():
    """(row's referral, stored document): the row restates a case first stored from another row."""
    now, then = households(30, 7), households(30, 11)
    for i, (row, earlier) in enumerate(zip(now, then)):
        if i % 3 == 0:
            row = {k: v for k, v in row.items() if k != "referral_id"}
        stored = stored_document(HouseholdReferral.model_validate(earlier))
        if i % 4 == 1:
            stored["source"] = dict(stored["source"], contact_name="Pat Officer", contact_email="pat@example.org")
        if i % 5 == 2:
            stored["referred_at"] = "2026-01-05T10:00:00+00:00"   # not as the contract writes it
        yield HouseholdReferral.model_validate(row), stored


def read_again(document: dict):
    try:
        return HouseholdReferral.model_validate(document)
    except ValidationError as error:
        return error.errors(include_url=False)


def made(referral, document):
    try:
        return restated_referral(referral, document)
    except ValidationError as error:
        return error.errors(include_url=False), None


@pytest.mark.parametrize("variant", ["as_is", "erased_name", "erased_email", "newborn", "bad_source"])
def test_the_restated_referral_is_the_restated_document_read_again(variant):
    for referral, stored in pairs():
        if variant == "erased_name":
            stored["source"] = dict(stored["source"], contact_name=ERASED)
        elif variant == "erased_email":
            stored["source"] = dict(stored["source"], contact_email=ERASED)
        elif variant == "newborn":  # first referred before someone on the newer row was born
            stored["referred_at"] = "1990-01-01T00:00:00Z"
        elif variant == "bad_source":
            stored["source"] = {"type": "provider"}
        document, _ = restated(stored, referral)
        expected = read_again(document)
        case, view = made(referral, document)
        assert case == expected
        if isinstance(expected, HouseholdReferral):
            on = ages_day(expected, TODAY)
            assert json.dumps(routing_view(case, on, view)) == json.dumps(routing_view(expected, on))


def test_the_updated_event_is_what_the_payload_model_made():
    service = SimpleNamespace(pseudonym_key=KEY, store=STORE,
                              ages_on=lambda r: (ages_day(r, TODAY), next_age_change(r, ages_day(r, TODAY))))
    for referral, stored in pairs():
        document, changes = restated(stored, referral)
        revision = _Revision.of(service, referral, 4, document, changes, "caseload_export")
        case = HouseholdReferral.model_validate(document)
        on, change = service.ages_on(case)
        payload = ReferralUpdated(referral_id=case.effective_id(), revision=5, changed_fields=changes,
                                  cause="caseload_export", routing_view=routing_view(case, on),
                                  profiles=household_profiles(case)).model_dump(mode="json")
        event = revision.event
        assert json.dumps(event.additionalInformation) == json.dumps(payload)
        assert [i.value for i in event.personReference.identifiers] == list(
            household_pseudonyms(case, KEY).values())
        assert (event.referralId, revision.next_change) == (case.effective_id(), change)
        assert (revision.applied.revision, revision.applied.changed_fields) == (5, tuple(changes))
        assert revision.prepared == STORE.prepare(case.effective_id(), document)


def walked(before: dict, after: dict, prefix: str = "") -> list[str]:
    """changed_fields as it was, walking every field: the reference for its shortcut."""
    paths = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key == "family_members" and isinstance(old, list | None) and isinstance(new, list | None):
            olds, news = {m.get("person_ref"): m for m in old or []}, {m.get("person_ref"): m for m in new or []}
            for ref in sorted(set(olds) | set(news), key=str):
                at = f"{prefix}{key}[{ref}]"
                paths += ([f"{at} removed"] if ref not in news else [f"{at} added"] if ref not in olds
                          else walked(olds[ref], news[ref], f"{at}."))
        elif isinstance(old, dict) and isinstance(new, dict):
            paths += walked(old, new, f"{prefix}{key}.")
        elif key == "needs" and isinstance(old, list) and isinstance(new, list):
            paths += [f"{prefix}{key}"] if sorted(old) != sorted(new) else []
        elif old != new:
            paths.append(f"{prefix}{key}")
    return paths


def test_changed_fields_skips_only_what_is_equal():
    from pathways_intake.domain.changes import changed_fields
    for referral, stored in pairs():
        document, _ = restated(stored, referral)
        for before, after in ((stored, document), (document, stored), (document, document),
                              (stored, {**stored, "family_members": list(reversed(stored.get("family_members", [])))}),
                              (stored, {**stored, "family_members": None}), ({**stored, "family_members": []}, stored)):
            assert changed_fields(before, after) == walked(before, after)


def test_needs_told_in_another_order_are_not_a_change():
    """An export may list a person's needs in any order: sending it again changes nothing."""
    from pathways_intake.domain.changes import changed_fields
    before = {"index_person": {"needs": ["housing", "mental_health"]}, "family_members": [
        {"person_ref": "m1", "needs": ["finance", "housing"]}]}
    reordered = {"index_person": {"needs": ["mental_health", "housing"]}, "family_members": [
        {"person_ref": "m1", "needs": ["housing", "finance"]}]}
    assert changed_fields(before, reordered) == []
    other = {"index_person": {"needs": ["mental_health"]}, "family_members": [
        {"person_ref": "m1", "needs": ["housing", "finance", "education"]}]}
    assert changed_fields(before, other) == ["family_members[m1].needs", "index_person.needs"]
    assert changed_fields(before, {"index_person": {"needs": None}, "family_members": before["family_members"]}) \
        == ["index_person.needs"]
