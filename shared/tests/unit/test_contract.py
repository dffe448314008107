"""The v1 household referral contract: samples validate, every problem is reported with its path."""
import copy
import json
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from pathways_shared.contracts.referral_parsing import ReferralInvalid, parse_referral
from pathways_shared.contracts.referral_v1 import HouseholdReferral, content_id
from pathways_shared.contracts.schema import SCHEMA_FILE, referral_schema, render
from pathways_shared.testing.fixtures import required_missing

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples" / "referrals"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def sample_files():
    if not SAMPLES.is_dir():
        required_missing("../shared/samples is not beside this checkout")
    files = sorted(SAMPLES.glob("*.json"))
    assert files, "the samples folder holds no referrals"
    return files


def minimal() -> dict:
    return {
        "schema_version": "1", "referred_at": "2026-11-02T09:30:00Z", "source": {"type": "self"},
        "index_person": {"person_ref": "ix", "age_years": 30, "sex": "male", "local_authority": "wirral",
                         "stage": "licence"},
    }


def problems(doc) -> dict[str, str]:
    with pytest.raises(ReferralInvalid) as caught:
        parse_referral(doc)
    return {p.path: p.message for p in caught.value.problems}


def test_every_sample_validates():
    for path in sample_files():
        referral = parse_referral(path.read_text())
        assert referral.index_person.person_ref == "ix"


def test_a_document_with_several_errors_reports_all_of_them_with_paths():
    doc = json.loads(sample_files()[0].read_text())
    doc["surplus"] = True
    doc["index_person"]["stage"] = "jail"
    doc["index_person"]["sex"] = ""
    doc["family_members"][0]["carer_ref"] = "nobody"
    del doc["family_members"][1]["date_of_birth"]
    doc["family_members"][2]["person_ref"] = doc["family_members"][0]["person_ref"]
    doc["family_members"][3]["contact"]["fax"] = "0151"
    found = problems(doc)
    assert set(found) == {
        "surplus", "index_person.stage", "index_person.sex", "family_members[0].carer_ref", "family_members[1]",
        "family_members[2].person_ref", "family_members[3].contact.fax",
    }
    assert "date_of_birth or age_years" in found["family_members[1]"]
    assert "unique" in found["family_members[2].person_ref"]


@pytest.mark.parametrize("change, path", [
    (lambda d: d.pop("referred_at"), "referred_at"),
    (lambda d: d.update(referred_at="2026-11-02T09:30:00"), "referred_at"),  # RFC 3339 needs an offset
    (lambda d: d.update(schema_version="2"), "schema_version"),
    (lambda d: d["index_person"].update(local_authority="manchester"), "index_person.local_authority"),
    (lambda d: d["index_person"].update(needs=["housing", "yoga"]), "index_person.needs[1]"),
    (lambda d: d["index_person"].update(identifiers=[{"type": "NHS", "value": "1"}]), "index_person.identifiers[0].type"),
    (lambda d: d["source"].update(provider_id="pops"), "source.provider_id"),
    (lambda d: d["source"].update(type="provider"), "source.provider_id"),
    (lambda d: d.update(referral_id="not-a-uuid"), "referral_id"),
    (lambda d: d["index_person"].update(consent_to_contact_family="maybe"), "index_person.consent_to_contact_family"),
])
def test_closed_vocabularies_and_required_fields(change, path):
    doc = minimal()
    change(doc)
    assert path in problems(doc)


def test_unknown_fields_are_named():
    doc = minimal()
    doc["index_person"]["favourite_colour"] = "blue"
    assert "index_person.favourite_colour" in problems(doc)


def test_not_json_and_not_an_object_are_clear():
    assert "(document)" in problems("{not json")
    assert "(document)" in problems("[1, 2]")


def test_age_years_alone_is_enough_and_either_is_required():
    assert parse_referral(minimal()).index_person.age_years == 30
    doc = minimal()
    del doc["index_person"]["age_years"]
    assert "index_person" in problems(doc)


def test_content_id_is_stable_and_follows_content():
    a, b = parse_referral(minimal()), parse_referral(minimal())
    assert a.effective_id() == b.effective_id() == content_id(a)
    changed = minimal()
    changed["index_person"]["stage"] = "custody"
    assert parse_referral(changed).effective_id() != a.effective_id()


def test_exported_json_schema_is_current():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "shared/schemas is stale: run `python -m pathways_shared.contracts.schema`")


def test_json_schema_agrees_with_the_models_on_the_samples():
    validator = jsonschema.Draft202012Validator(referral_schema())
    for path in sample_files():
        validator.validate(json.loads(path.read_text()))
    bad = copy.deepcopy(minimal())
    bad["index_person"]["stage"] = "jail"
    assert list(validator.iter_errors(bad))


def test_models_are_frozen():
    referral = parse_referral(minimal())
    with pytest.raises(ValidationError, match="frozen"):
        referral.index_person.stage = "custody"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        referral.source = referral.source  # type: ignore[misc]
    assert referral.index_person.stage == "licence"


def test_a_person_born_after_the_referral_day_is_refused_with_the_day():
    doc = minimal()
    doc["referred_at"] = "2026-11-16T23:30:00Z"      # 16 November in London (GMT)
    doc["index_person"]["date_of_birth"] = "2026-11-17"
    doc["index_person"].pop("age_years", None)
    assert problems(doc)["index_person.date_of_birth"] == "date_of_birth is after the referral day (2026-11-16)"
    doc["index_person"]["date_of_birth"] = "2026-11-16"  # born on the day: age 0
    parse_referral(doc)


@pytest.mark.parametrize("change, path", [
    (lambda d: d["index_person"].update(person_ref="i\x00x"), "index_person.person_ref"),
    (lambda d: d["index_person"].update(establishment="L\tPI"), "index_person.establishment"),
    (lambda d: d["source"].update(organisation="Probation\nNorth West"), "source.organisation"),
    (lambda d: d.update(family_members=[{"person_ref": "c1", "relationship": "child", "age_years": 7, "sex": "male",
                                         "local_authority": "wirral", "carer_ref": "m\x7f1"}]),
     "family_members[0].carer_ref"),
])
def test_a_control_character_in_a_field_kept_in_clear_is_refused(change, path):
    doc = minimal()
    change(doc)
    with pytest.raises(ReferralInvalid) as caught:
        parse_referral(doc)
    assert (path, "control_character") in {(p.path, p.type) for p in caught.value.problems}
    assert list(jsonschema.Draft202012Validator(referral_schema()).iter_errors(doc)), "the schema says so too"


@pytest.mark.parametrize("change, expected", [
    ({"referred_at": "0001-01-01T00:00:00Z"}, [(("referred_at",), "datetime_out_of_range")]),
    ({"referred_at": "9999-12-31T23:59:59-01:00"}, [(("referred_at",), "datetime_out_of_range")]),
    ({"family_members": [{"person_ref": "c1", "relationship": "child", "age_years": 4, "sex": "female",
                          "local_authority": "wirral", "carer_ref": []}]},
     [(("family_members", 0, "carer_ref"), "string_type")]),
    ({"family_members": [{"person_ref": {"a": 1}, "relationship": "child", "age_years": 4, "sex": "female",
                          "local_authority": "wirral"}]},
     [(("family_members", 0, "person_ref"), "string_type")]),
])
def test_values_the_cross_field_checks_cannot_use_are_reported_not_raised(change, expected):
    """Found by fuzzing the submission API: these raised OverflowError and TypeError (a 500)."""
    with pytest.raises(ReferralInvalid) as refused:
        parse_referral(json.dumps({**minimal(), **change}))
    assert [(p.loc, p.type) for p in refused.value.problems] == expected


@pytest.mark.parametrize("change, path, kind", [
    (lambda d: d["index_person"].update(release_date=1764806400), "index_person.release_date", "date_type"),
    (lambda d: d["index_person"].update(date_of_birth=0), "index_person.date_of_birth", "date_type"),
    (lambda d: d["index_person"].update(release_date="2026-12-04T00:00:00"), "index_person.release_date",
     "date_parsing"),
    (lambda d: d.update(referred_at=1764806400), "referred_at", "datetime_type"),
    (lambda d: d["index_person"].update(age_years=True), "index_person.age_years", "int_type"),
    (lambda d: d["index_person"].update(age_years="30"), "index_person.age_years", "int_type"),
    (lambda d: d["index_person"].update(violence_risk="yes"), "index_person.violence_risk", "bool_type"),
    (lambda d: d["index_person"].update(offence={"violent": 1}), "index_person.offence.violent", "bool_type"),
])
def test_json_text_is_held_to_the_contracts_json_types(change, path, kind):
    """Read leniently, a release date of 1764806400 was a Unix time (2025-12-04), true an age of 1
    and "yes" a flag. As a dict (the caseload feed's cells, whose spelling the feed checks) they are
    read, except dates: a date is text YYYY-MM-DD however it comes (contracts.dates)."""
    doc = minimal()
    change(doc)
    with pytest.raises(ReferralInvalid) as refused:
        parse_referral(json.dumps(doc))
    assert (path, kind) in {(p.path, p.type) for p in refused.value.problems}
    assert all(p.message for p in refused.value.problems)
    if kind != "date_parsing":  # the schema's "format": "date" is not checked by default
        assert list(jsonschema.Draft202012Validator(referral_schema()).iter_errors(doc)), "the schema says so too"
    if kind.startswith("date_"):
        assert path in problems(doc)
    else:
        parse_referral(doc)


def test_json_text_with_a_lone_surrogate_names_the_field():
    doc = minimal()
    doc["index_person"]["given_name"] = "\ud800x"
    assert "index_person.given_name" in problems(json.dumps(doc))


def test_json_text_of_the_right_types_reads_as_the_same_referral():
    doc = minimal()
    doc["index_person"].update(release_date="2026-12-04", violence_risk=True, offence={"violent": False})
    assert parse_referral(json.dumps(doc)) == parse_referral(doc)
    assert parse_referral(json.dumps(doc).encode("utf-16")) == parse_referral(doc)


def test_a_name_given_twice_in_json_text_is_refused_naming_it():
    """json keeps the last of the two, so which age was meant cannot be told."""
    text = json.dumps(minimal()).replace('"age_years": 30', '"age_years": 30, "age_years": 3')
    with pytest.raises(ReferralInvalid) as refused:
        parse_referral(text)
    [found] = refused.value.problems
    assert (found.path, found.type) == ("(document)", "repeated_name") and "'age_years'" in found.message


@pytest.mark.parametrize("written", [1795564800, "1764028800", "20261125", " 2026-11-25", "2026-11-25T00:00:00",
                                     "2026-02-30", True])
@pytest.mark.parametrize("field", ["date_of_birth", "release_date"])
def test_a_date_is_only_ever_text_written_yyyy_mm_dd(field, written):
    """Never a Unix time, as a number or as digits in a string (which pydantic reads as one)."""
    doc = minimal()
    doc["index_person"][field] = written
    for given in (json.dumps(doc), doc):   # the API's JSON text, and the caseload feed's dict
        found = problems(given)
        assert list(found) == [f"index_person.{field}"] and "valid date" in found[f"index_person.{field}"]
    fine = {"date_of_birth": "1990-05-17", "release_date": "2027-03-01"}[field]
    doc["index_person"][field] = fine
    assert str(getattr(parse_referral(json.dumps(doc)).index_person, field)) == fine
