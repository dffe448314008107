"""Which stage each HMPPS event puts a person in, worked out against what is known of the case."""
import hashlib
import hmac
from datetime import date, timedelta

import pytest

from pathways_intake.domain.case_key import case_referral_id
from pathways_intake.hmpps.processing import RetryPolicy
from pathways_intake.hmpps.stages import (
    BOOKING_MADE, LICENCE_ACTIVATED, MANAGER_ALLOCATED, RECEIVED, RELEASED, CaseStage, acted_on, stage_after,
)
from pathways_shared.contracts.vocabulary import Stage

ON = date(2022, 5, 4)
IN_CUSTODY = CaseStage(Stage.custody, date(2022, 5, 6))
ON_LICENCE = CaseStage(Stage.licence, date(2022, 2, 1))


@pytest.mark.parametrize("event_type", [RELEASED, LICENCE_ACTIVATED])
def test_release_puts_the_person_on_licence_from_the_day_it_happened(event_type):
    assert stage_after(event_type, {}, ON, IN_CUSTODY) == CaseStage(Stage.licence, ON)


def test_release_into_approved_premises_stays_approved_premises():
    booked = CaseStage(Stage.approved_premises, date(2022, 5, 6))
    assert stage_after(RELEASED, {}, ON, booked) == CaseStage(Stage.approved_premises, ON)


@pytest.mark.parametrize("known", [CaseStage(Stage.licence, date(2022, 5, 3)),
                                   CaseStage(Stage.approved_premises, ON)])
def test_a_late_or_repeated_release_keeps_the_release_already_known(known):
    assert stage_after(RELEASED, {}, ON, IN_CUSTODY, stored=known) == known
    assert stage_after(RELEASED, {}, ON, known) == known


def test_a_release_after_a_recall_is_a_new_release():
    assert stage_after(RELEASED, {}, ON, CaseStage(Stage.recalled), stored=ON_LICENCE) == CaseStage(Stage.licence, ON)


@pytest.mark.parametrize("days_before", [8, 30, 337])
def test_a_release_recorded_well_before_the_event_was_an_earlier_release(days_before):
    """An old caseload row or a stale case record: the event is a new release, and the windows
    that count from a release (MOMS, POPS) count from this one."""
    earlier = CaseStage(Stage.licence, ON - timedelta(days=days_before))
    assert stage_after(RELEASED, {}, ON, IN_CUSTODY, stored=earlier) == CaseStage(Stage.licence, ON)
    assert stage_after(RELEASED, {}, ON, earlier) == CaseStage(Stage.licence, ON)
    assert stage_after(RELEASED, {}, ON, earlier, stored=CaseStage(Stage.licence, ON - timedelta(days=7))) == (
        CaseStage(Stage.licence, ON - timedelta(days=7))), "a week before is still the same release"


@pytest.mark.parametrize("info, stage", [
    ({"reason": "ADMISSION", "probableCause": "RECALL"}, Stage.recalled),
    ({"reason": "RECALL"}, Stage.recalled),                       # the older reason codes
    ({"reason": "ADMISSION", "probableCause": "REMAND"}, Stage.remand),
    ({"reason": "REMAND"}, Stage.remand),
    ({"reason": "ADMISSION", "probableCause": "CONVICTED"}, Stage.custody),
    ({"reason": "NEW_ADMISSION"}, Stage.custody),
    ({"reason": "ADMISSION", "probableCause": "UNKNOWN"}, Stage.recalled),  # on licence, no cause given
    ({}, Stage.recalled),
])
def test_reception_into_prison_follows_the_stated_cause(info, stage):
    assert stage_after(RECEIVED, info, ON, ON_LICENCE) == CaseStage(stage, None)


def test_reception_without_a_cause_keeps_a_custodial_stage_the_source_knows():
    remanded = CaseStage(Stage.remand, date(2022, 9, 1))
    assert stage_after(RECEIVED, {"reason": "ADMISSION"}, ON, remanded) == remanded
    assert stage_after(RECEIVED, {"reason": "ADMISSION"}, ON, CaseStage(Stage.court)) == CaseStage(Stage.custody)


@pytest.mark.parametrize("reason", ["TRANSFERRED", "RETURN_FROM_COURT", "TEMPORARY_ABSENCE_RETURN",
                                    "POST_MERGE_ADMISSION"])
def test_movements_of_someone_already_inside_are_no_stage_change(reason):
    assert stage_after(RECEIVED, {"reason": reason}, ON, IN_CUSTODY) is None


def test_booking_and_allocation_set_their_stage_and_keep_the_release_date():
    assert stage_after(BOOKING_MADE, {}, ON, IN_CUSTODY) == CaseStage(Stage.approved_premises, date(2022, 5, 6))
    assert stage_after(MANAGER_ALLOCATED, {}, ON, CaseStage(Stage.court)) == CaseStage(Stage.community_sentence)


def test_other_event_types_are_not_acted_on():
    assert not acted_on("intervention.referral.ended")
    assert stage_after("intervention.referral.ended", {}, ON, IN_CUSTODY) is None
    assert all(acted_on(t) for t in (RELEASED, RECEIVED, LICENCE_ACTIVATED, BOOKING_MADE, MANAGER_ALLOCATED))


def test_retries_back_off_doubling_up_to_the_longest_delay():
    policy = RetryPolicy(timedelta(seconds=30), timedelta(minutes=5))
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
    assert policy.delay(10_000) == timedelta(minutes=5)


def test_a_case_has_one_referral_id_whoever_derives_it():
    key = b"test-pseudonym-key-0123456789"
    assert case_referral_id(" x123456 ", key) == case_referral_id("X123456", key)
    assert case_referral_id("X123456", key) != case_referral_id("X123457", key)
    assert str(case_referral_id("X123456", key)) == "64acf06e-6b42-8f55-b4cd-087a3501486c"  # stable across releases
    # HMAC-SHA256 of the CRN, its first 128 bits with the version (8) and variant bits set.
    digest = hmac.new(key, b"probation-case:X123456", hashlib.sha256).hexdigest()
    made = case_referral_id("X123456", key)
    assert made.hex[:12] + made.hex[13:16] + made.hex[17:] == digest[:12] + digest[13:16] + digest[17:32]
    assert made.version == 8
    # Keyed: without the key, enumerating CRNs finds nothing (another key, another id).
    assert case_referral_id("X123456", b"another-key-0123456789") != case_referral_id("X123456", key)
    with pytest.raises(ValueError):
        case_referral_id("  ", key)
    with pytest.raises(ValueError):
        case_referral_id("X123456", b"")
