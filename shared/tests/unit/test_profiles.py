"""Person profiles: non-overlapping age bands, the ONS 2021 ethnicity groups, missing fields."""
import pytest

from pathways_shared.contracts.profiles import AGE_BAND_ORDER, age_band, ethnicity_group, household_profiles
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import referral_submitted_event


@pytest.mark.parametrize("age, band", [(0, "0-4"), (4, "0-4"), (5, "5-10"), (10, "5-10"), (11, "11-15"),
                                       (16, "16-17"), (17, "16-17"), (18, "18-24"), (25, "25-29"),
                                       (29, "25-29"), (30, "30-49"), (50, "50+"), (99, "50+")])
def test_every_age_falls_in_exactly_one_band(age, band):
    assert age_band(age) == band
    assert len(AGE_BAND_ORDER) == len(set(AGE_BAND_ORDER))


@pytest.mark.parametrize("text, group", [
    ("White British", "white"), ("White and Black Caribbean", "mixed"), ("Black British", "black"),
    ("British Indian", "asian"), ("Chinese", "asian"), ("Arab", "other"), ("Prefer not to say", "not_stated"),
    ("", "not_stated"), (None, "not_stated"), ("zzz", "not_stated"), ("Gypsy or Irish Traveller", "white")])
def test_free_text_ethnicity_maps_to_the_ons_2021_groups(text, group):
    assert ethnicity_group(text) == group


def test_profiles_travel_on_referral_submitted_without_identities():
    referral = parse_referral({
        "schema_version": "1", "referred_at": "2026-11-03T10:00:00+00:00", "source": {"type": "court"},
        "index_person": {"person_ref": "ix", "given_name": "Dale", "family_name": "Smith",
                         "date_of_birth": "1999-11-04", "sex": "male", "local_authority": "liverpool",
                         "stage": "court"},
        "family_members": [{"person_ref": "c1", "age_years": 4, "sex": "not_known", "ethnicity": "Mixed",
                            "local_authority": "wirral", "relationship": "child"}]})
    profiles = household_profiles(referral)
    assert profiles["ix"].age_band == "25-29"      # 26 on 3 November 2026: the birthday is a day later
    assert profiles["c1"].model_dump() == {"age_band": "0-4", "sex": "not_known", "ethnicity_group": "mixed",
                                           "local_authority": "wirral", "missing": [
                                               "date_of_birth", "postcode", "contact", "identifiers", "given_name",
                                               "family_name", "needs"]}
    event = referral_submitted_event(referral, revision=1, received_at=referral.referred_at, pseudonym_key=b"k")
    carried = event.additionalInformation["profiles"]
    assert carried["ix"]["missing"] == ["ethnicity", "postcode", "contact", "identifiers", "needs"]
    assert "Dale" not in str(carried) and "1999" not in str(carried)
