"""The projection of a household through a provider's allowed fields (POLICY.md §5), with the
packaged rulebook's field lists and with hand-made ones."""
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways_notifier.bootstrap import provider_fields
from pathways_notifier.domain.projection import allowed_by_scope, project
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.testing.households import household_referrals

from ..conftest import HOUSEHOLD

ON = date(2026, 11, 2)
FIELDS, _ = provider_fields()
REFERRAL = parse_referral(HOUSEHOLD)
TMUK_PERSONS = [{"person_ref": "c1", "role": "subject"}, {"person_ref": "m1", "role": "carer"}]
OFFENCE_WORDS = ("offence", "violent", "convicted", "violence_risk")


def test_tmuk_gets_the_child_and_carer_as_listed_and_nothing_about_the_offence():
    out = project(REFERRAL, TMUK_PERSONS, FIELDS["tmuk"], ON)
    assert out == {"persons": [
        {"person_ref": "c1", "role": "subject", "given_name": "Lily", "age": 6, "relationship": "child"},
        {"person_ref": "m1", "role": "carer", "given_name": "Ann", "family_name": "Rigby",
         "contact": {"phone": "07700 900123"}},
    ]}
    text = json.dumps(out)
    assert not any(word in text for word in OFFENCE_WORDS)
    assert "Sam" not in text and "X000001" not in text


def test_pops_sees_the_index_person_with_the_violent_flag_rendered_as_a_word():
    out = project(REFERRAL, [{"person_ref": "m1", "role": "subject"}], FIELDS["pops"], ON)
    assert out["index"] == {"person_ref": "ix", "given_name": "Sam", "family_name": "Rigby", "stage": "custody",
                            "release_date": "2026-12-21", "establishment": "LPI", "offence": "violent"}
    assert out["persons"] == [{"person_ref": "m1", "role": "subject", "given_name": "Ann", "family_name": "Rigby",
                               "relationship": "mother", "contact": {"phone": "07700 900123"}}]


def test_non_violent_and_unknown_offences():
    calm = parse_referral({**HOUSEHOLD, "index_person": {**HOUSEHOLD["index_person"], "offence": {"violent": False}}})
    assert project(calm, [], ["index.offence.violent"], ON)["index"]["offence"] == "non-violent"
    unknown = parse_referral({**HOUSEHOLD, "index_person": {
        k: v for k, v in HOUSEHOLD["index_person"].items() if k != "offence"}})
    assert "offence" not in project(unknown, [], ["index.offence.violent"], ON)["index"]


def test_shelter_sees_the_index_subject_once_and_the_household_as_names_and_ages():
    persons = [{"person_ref": "ix", "role": "subject"}, {"person_ref": "m1", "role": "household_member"},
               {"person_ref": "c1", "role": "household_member"}]
    out = project(REFERRAL, persons, FIELDS["shelter"], ON)
    assert out["index"]["given_name"] == "Sam" and out["index"]["age"] == 22
    assert out["index"]["needs"] == ["homelessness_risk"] and out["index"]["violence_risk"] is True
    assert out["persons"] == [
        {"person_ref": "ix", "role": "subject", "index_person": True},
        {"person_ref": "m1", "role": "household_member", "given_name": "Ann", "age": 47},
        {"person_ref": "c1", "role": "household_member", "given_name": "Lily", "age": 6},
    ]


def test_age_is_taken_on_the_delivery_date():
    before = project(REFERRAL, TMUK_PERSONS, ["subject.age"], date(2026, 11, 19))
    after = project(REFERRAL, TMUK_PERSONS, ["subject.age"], date(2026, 11, 20))
    assert before["persons"][0]["age"] == 6 and after["persons"][0]["age"] == 7
    by_years = parse_referral({**HOUSEHOLD, "family_members": [
        {k: v for k, v in HOUSEHOLD["family_members"][1].items() if k != "date_of_birth"} | {"age_years": 9},
        HOUSEHOLD["family_members"][0]]})
    assert project(by_years, TMUK_PERSONS, ["subject.age"], ON)["persons"][0]["age"] == 9


def test_changing_the_field_list_changes_what_is_sent():
    narrow = project(REFERRAL, TMUK_PERSONS, ["subject.given_name"], ON)
    wider = project(REFERRAL, TMUK_PERSONS, ["subject.given_name", "subject.family_name", "carer.given_name"], ON)
    assert narrow["persons"] == [{"person_ref": "c1", "role": "subject", "given_name": "Lily"},
                                 {"person_ref": "m1", "role": "carer"}]
    assert wider["persons"] == [{"person_ref": "c1", "role": "subject", "given_name": "Lily", "family_name": "Rigby"},
                                {"person_ref": "m1", "role": "carer", "given_name": "Ann"}]
    assert "index" not in narrow
    assert project(REFERRAL, TMUK_PERSONS, ["index.stage"], ON)["index"] == {"person_ref": "ix", "stage": "custody"}


def test_forbidden_fields_stay_out_even_when_listed():
    listed = ["subject.no_contact_with_index", "subject.identifiers", "index.identifiers", "index.offence",
              "index.offence.convicted", "subject.person_ref", "carer.no_contact_with_index", "subject.nonsense"]
    persons = [{"person_ref": "m1", "role": "subject"}, {"person_ref": "m1", "role": "carer"}]
    assert project(REFERRAL, persons, listed, ON) == {"index": {"person_ref": "ix"}, "persons": persons}


def test_an_unknown_role_or_a_person_missing_from_the_document_gets_no_details():
    out = project(REFERRAL, [{"person_ref": "m1", "role": "observer"}, {"person_ref": "gone", "role": "subject"}],
                  FIELDS["pops"], ON)
    assert out["persons"] == [{"person_ref": "m1", "role": "observer"}, {"person_ref": "gone", "role": "subject"}]


def test_fields_are_grouped_by_scope_in_listed_order():
    assert allowed_by_scope(["subject.b", "index.offence.violent", "subject.a", "subject.b", "bare"]) == {
        "subject": ["b", "a"], "index": ["offence.violent"]}


@pytest.mark.parametrize("provider", sorted(FIELDS))
@settings(max_examples=40, deadline=None)
@given(doc=household_referrals(), data=st.data())
def test_no_provider_ever_receives_what_policy_withholds(provider, doc, data):
    referral = parse_referral(doc)
    refs = [p.person_ref for p in referral.persons()]
    persons = [{"person_ref": ref, "role": data.draw(st.sampled_from(["subject", "carer", "household_member"]))}
               for ref in data.draw(st.lists(st.sampled_from(refs), unique=True))]
    out = project(referral, persons, FIELDS[provider], ON)
    text = json.dumps(out)
    assert "no_contact_with_index" not in text and "identifiers" not in text
    assert "convicted" not in text and "date_of_birth" not in text
    for ident in referral.index_person.identifiers:
        assert ident.value not in text
    if provider == "tmuk":
        assert not any(word in text for word in OFFENCE_WORDS)
    allowed = {f.partition(".")[2] for f in FIELDS[provider]} | {"person_ref", "role", "index_person", "offence"}
    for entry in [out.get("index", {}), *out["persons"]]:
        assert set(entry) <= allowed
