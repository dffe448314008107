"""Synthetic households are valid v1 referrals, reproducible, and reach every corner of the policy."""
import inspect
import json
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.vocabulary import Consent, LocalAuthority, Need, SourceType, Stage
from pathways_shared.testing.household_people import _birthdays
from pathways_shared.testing.households import generate_households, household_referrals, write_jsonl

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
POLICY_PRISONS = {"LPI", "ACI", "HII", "RSI", "KMI", "STI", "LFI", "TCI", "WMI", "PNI", "MRI", "FBI", "BCI"}
YOUNG_RELATIONS = {"child", "step_child", "grandchild", "sibling", "other_relative", "other"}
# Ages either side of every provider's bounds (POLICY.md §3).
INDEX_BOUNDS = {17, 18, 25, 26, 29, 30, 31, 35, 36}  # Shelter 18-25/26-35, MOMS under 30, Magistra 18-30
YOUNG_BOUNDS = {1, 2, 4, 5, 18, 19, 20, 21}  # TMUK 2-4 stretch, 5-18 core, 19-20 stretch
FAMILY_BOUNDS = {17, 18}  # POPS family members 18+


@pytest.fixture(scope="module")
def households():
    return [*generate_households(1000, seed=1), *generate_households(1000, seed=2)]


def family(doc) -> list[dict]:
    return doc.get("family_members", [])


def referral_day(doc) -> date:
    return datetime.fromisoformat(doc["referred_at"]).date()


def age(person, on: date) -> int:
    if "age_years" in person:
        return person["age_years"]
    born = date.fromisoformat(person["date_of_birth"])
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_every_generated_household_is_a_valid_v1_referral(households):
    for doc in households:
        parse_referral(doc)
    assert json.loads(json.dumps(households)) == households  # plain JSON-able dicts


def test_the_same_seed_gives_the_same_households_and_another_seed_different_ones():
    assert list(generate_households(300, seed=7)) == list(generate_households(300, seed=7))
    ids = {d["referral_id"] for d in generate_households(300, seed=7)}
    assert ids.isdisjoint(d["referral_id"] for d in generate_households(300, seed=8))


def test_referral_ids_are_unique_version_4_uuids(households):
    ids = [d["referral_id"] for d in households]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 for i in ids)


def test_households_are_streamed_not_built_as_a_list():
    stream = generate_households(10**12, seed=1)
    assert inspect.isgenerator(stream)
    assert next(stream)["schema_version"] == "1"


def test_referral_dates_stay_in_the_requested_range():
    window = (date(2027, 2, 27), date(2027, 3, 2))
    days = {referral_day(d) for d in generate_households(200, 3, referred_at_range=window)}
    assert days == {date(2027, 2, 27), date(2027, 2, 28), date(2027, 3, 1), date(2027, 3, 2)}


def test_every_stage_local_authority_source_consent_and_need_occurs(households):
    index = [d["index_person"] for d in households]
    members = [m for d in households for m in family(d)]
    assert {p["stage"] for p in index} == set(Stage)
    assert {p["local_authority"] for p in index} == set(LocalAuthority)
    assert {m["local_authority"] for m in members} == set(LocalAuthority)
    assert {p.get("resettlement_local_authority") for p in index} >= set(LocalAuthority)
    assert {d["source"]["type"] for d in households} == set(SourceType)
    assert {p.get("consent_to_contact_family") for p in index} == {*Consent, None}
    assert {m.get("consent_to_contact") for m in members} == {*Consent, None}
    assert {n for p in index + members for n in p.get("needs", [])} == set(Need)
    assert {len(family(d)) for d in households} == {0, 1, 2, 3, 4, 5, 6}
    assert any("family_members" not in d for d in households)
    assert any("needs" not in p for p in index + members)
    assert {m.get("no_contact_with_index") for m in members} == {True, False, None}


def test_both_date_of_birth_and_age_years_occur_for_index_and_family(households):
    index = [d["index_person"] for d in households]
    for people in (index, [m for d in households for m in family(d)]):
        assert any("date_of_birth" in p for p in people) and any("age_years" in p for p in people)


def test_ages_fall_on_every_provider_age_bound_given_both_ways(households):
    seen = {"index": set(), "young": set(), "family": set()}
    for doc in households:
        day = referral_day(doc)
        ix = doc["index_person"]
        seen["index"].add((age(ix, day), "age_years" in ix))
        for m in family(doc):
            seen["family"].add((age(m, day), "age_years" in m))
            if m["relationship"] in YOUNG_RELATIONS:
                seen["young"].add((age(m, day), "age_years" in m))
    for kind, bounds in (("index", INDEX_BOUNDS), ("young", YOUNG_BOUNDS), ("family", FAMILY_BOUNDS)):
        missing = {(a, given_as) for a in bounds for given_as in (False, True)} - seen[kind]
        assert not missing, f"{kind} ages never generated (age, given as age_years): {sorted(missing)}"


def test_birthdays_fall_on_and_just_after_the_referral_date(households):
    offsets = set()
    for doc in households:
        day = referral_day(doc)
        for p in [doc["index_person"], *family(doc)]:
            if "date_of_birth" in p:
                born = date.fromisoformat(p["date_of_birth"])
                offsets.add((born.month, born.day) == (day.month, day.day))
                if age(p, day) != age(p, date.fromordinal(day.toordinal() + 1)):
                    offsets.add("tomorrow")
    assert offsets == {True, False, "tomorrow"}


@pytest.mark.parametrize("on", [date(2026, 10, 1), date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1),
                                date(2027, 2, 28), date(2027, 3, 1), date(2026, 12, 31)], ids=str)
def test_dates_of_birth_give_exactly_the_intended_age_including_leap_days(on):
    def age_if_born(day: int) -> int:
        return age({"date_of_birth": date.fromordinal(day).isoformat()}, on)

    for years in range(0, 100):
        earliest, latest = _birthdays(on.toordinal(), years)
        assert age_if_born(earliest) == age_if_born(latest) == years
        assert age_if_born(earliest - 1) == years + 1
        if years:
            assert age_if_born(latest + 1) == years - 1


def test_release_dates_sit_on_and_either_side_of_the_14_and_84_day_windows(households):
    to_release, since_release = set(), set()
    for doc in households:
        ix, day = doc["index_person"], referral_day(doc)
        if "release_date" in ix and ix["stage"] == "custody":
            to_release.add((date.fromisoformat(ix["release_date"]) - day).days)
        elif "release_date" in ix and ix["stage"] in ("licence", "approved_premises"):
            since_release.add((day - date.fromisoformat(ix["release_date"])).days)
    for days in (to_release, since_release):
        assert days >= {0, 13, 14, 15, 83, 84, 85} and min(days) >= 0 and max(days) > 200


def test_prisons_cover_the_policy_list_and_unknown_codes(households):
    codes = {d["index_person"].get("establishment") for d in households} - {None}
    assert codes >= POLICY_PRISONS
    assert codes - POLICY_PRISONS, "no unknown prison code"


def test_carers_are_adults_in_the_household(households):
    cared_for = 0
    for doc in households:
        day, members = referral_day(doc), {m["person_ref"]: m for m in family(doc)}
        for m in members.values():
            if "carer_ref" in m:
                cared_for += 1
                assert age(members[m["carer_ref"]], day) >= 18 and age(m, day) < 18
    assert cared_for > 500


@given(household_referrals())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_hypothesis_strategy_produces_valid_referrals(doc):
    referral = parse_referral(doc)
    assert date(2026, 10, 1) <= referral.referred_at.date() <= date(2026, 12, 31)


def test_write_jsonl_writes_the_same_households_one_per_line(tmp_path):
    path = write_jsonl(tmp_path / "households.jsonl", 50, seed=4)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(generate_households(50, seed=4))


EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def test_there_are_six_to_eight_examples_each_described_in_the_readme():
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert 6 <= len(EXAMPLE_FILES) <= 8
    assert all(f"`{p.name}`" in readme for p in EXAMPLE_FILES)
    ids = [json.loads(p.read_text(encoding="utf-8"))["referral_id"] for p in EXAMPLE_FILES]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_referral_is_a_valid_v1_document_with_a_fixed_id(path):
    referral = parse_referral(path.read_text(encoding="utf-8"))
    assert referral.referral_id is not None
