"""Ages in whole years on a London calendar day, the next day they change, and the routing view
that carries them in place of dates of birth."""
from datetime import UTC, date, datetime

import pytest

from pathways_shared.contracts.ages import ages_day, london_day, next_age_change, next_birthday, years_on
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import routing_view

REFERRAL = {
    "schema_version": "1", "referral_id": "7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10",
    "referred_at": "2027-02-10T09:30:00Z", "source": {"type": "probation_practitioner"},
    "index_person": {"person_ref": "ix", "given_name": "Sam", "date_of_birth": "2004-06-14", "sex": "male",
                     "local_authority": "liverpool", "stage": "custody", "consent_to_contact_family": "granted"},
    "family_members": [
        {"person_ref": "c1", "relationship": "child", "date_of_birth": "2020-02-29", "sex": "female",
         "local_authority": "liverpool", "consent_to_contact": "granted"},
        {"person_ref": "m1", "relationship": "mother", "age_years": 47, "sex": "female",
         "local_authority": "liverpool"},
    ],
}


@pytest.mark.parametrize("born, on, age", [
    (date(2004, 6, 14), date(2026, 6, 13), 21), (date(2004, 6, 14), date(2026, 6, 14), 22),
    (date(2020, 2, 29), date(2027, 2, 28), 6), (date(2020, 2, 29), date(2027, 3, 1), 7),
    (date(2020, 2, 29), date(2028, 2, 29), 8), (date(2021, 12, 31), date(2026, 1, 1), 4),
])
def test_whole_years_with_29_february_turning_on_1_march(born, on, age):
    assert years_on(born, on) == age


@pytest.mark.parametrize("born, after, turns", [
    (date(2004, 6, 14), date(2026, 6, 13), date(2026, 6, 14)),
    (date(2004, 6, 14), date(2026, 6, 14), date(2027, 6, 14)),
    (date(2020, 2, 29), date(2027, 2, 10), date(2027, 3, 1)),
    (date(2020, 2, 29), date(2027, 3, 1), date(2028, 2, 29)),
    (date(2019, 12, 31), date(2026, 12, 31), date(2027, 12, 31)),
])
def test_the_next_birthday_is_the_day_the_age_grows(born, after, turns):
    assert next_birthday(born, after) == turns
    assert years_on(born, turns) == years_on(born, after) + 1
    assert years_on(born, date.fromordinal(turns.toordinal() - 1)) == years_on(born, after)


def test_the_london_day_of_a_moment():
    assert london_day(datetime(2026, 6, 2, 23, 30, tzinfo=UTC)) == date(2026, 6, 3)  # 00:30 BST
    assert london_day(datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == date(2026, 12, 2)  # GMT


def test_the_routing_view_carries_ages_and_no_date_of_birth():
    referral = parse_referral(REFERRAL)
    view = routing_view(referral, date(2027, 3, 1))
    people = [view["index_person"], *view["family_members"]]
    assert [p.get("date_of_birth") for p in people] == [None, None, None]
    assert [p["age_years"] for p in people] == [22, 7, 47]
    assert "2004-06-14" not in str(view) and "2020-02-29" not in str(view)
    on_referral_day = routing_view(referral)
    people = [on_referral_day["index_person"], *on_referral_day["family_members"]]
    assert [p["age_years"] for p in people] == [22, 6, 47]


def test_ages_are_announced_for_the_later_of_the_referral_day_and_today():
    referral = parse_referral(REFERRAL)
    assert ages_day(referral, date(2027, 1, 1)) == date(2027, 2, 10)
    assert ages_day(referral, date(2027, 5, 1)) == date(2027, 5, 1)
    assert next_age_change(referral, date(2027, 2, 10)) == date(2027, 3, 1)   # c1 first (born 29 February)
    assert next_age_change(referral, date(2027, 3, 1)) == date(2027, 6, 14)   # then ix
    ages_only = parse_referral({**REFERRAL, "index_person": {**REFERRAL["index_person"], "date_of_birth": None,
                                                             "age_years": 22},
                                "family_members": REFERRAL["family_members"][2:]})
    assert next_age_change(ages_only, date(2027, 2, 10)) is None
