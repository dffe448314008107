"""The lifecycle against the declared table: every legal transition is applied, every other one
is refused with the allowed next statuses, reasons are required where POLICY.md marks them, and
on-hold resumes only to where it was held from."""
import itertools

import pytest

from pathways_notifier.domain.lifecycle import (
    IllegalTransition, LifecycleState, ReasonRequired, allowed_next, case_opened, transition,
)
from pathways_shared.contracts.lifecycle import OPEN, REASON_REQUIRED, TRANSITIONS, ReasonCode, Status

HELD_FROM = sorted(OPEN - {Status.on_hold})  # where a referral can be put on hold from


def states() -> list[LifecycleState]:
    """Every reachable state: each status, and on-hold once per status it can be held from."""
    plain = [LifecycleState(s) for s in Status if s is not Status.on_hold]
    return plain + [LifecycleState(Status.on_hold, held) for held in HELD_FROM]


def legal_pairs():
    for state in states():
        for to in sorted(TRANSITIONS[state.status]):
            if state.status is Status.on_hold and to in OPEN and to != state.held_from:
                continue
            yield state, to


def illegal_pairs():
    legal = {(s, t) for s, t in legal_pairs()}
    return [(s, t) for s, t in itertools.product(states(), sorted(Status)) if (s, t) not in legal]


def label(value):
    if isinstance(value, LifecycleState):
        return f"{value.status}" + (f"(from {value.held_from})" if value.held_from else "")
    return str(value)


@pytest.mark.parametrize(("state", "to"), list(legal_pairs()), ids=label)
def test_every_legal_transition_is_applied(state, to):
    moved = transition(state, to, ReasonCode.no_contact if to in REASON_REQUIRED else None)

    assert moved.status is to
    assert moved.held_from == (state.status if to is Status.on_hold else None)


@pytest.mark.parametrize(("state", "to"), illegal_pairs(), ids=label)
def test_every_other_transition_is_refused_with_the_allowed_next_steps(state, to):
    with pytest.raises(IllegalTransition) as refused:
        transition(state, to, ReasonCode.duplicate)

    assert refused.value.allowed == allowed_next(state)
    assert to.value not in refused.value.allowed
    assert refused.value.from_status is state.status


def test_the_illegal_list_is_not_empty_and_covers_closed_statuses():
    pairs = illegal_pairs()
    assert len(pairs) + len(list(legal_pairs())) == len(states()) * len(Status)
    for closed in (Status.rejected, Status.completed, Status.cancelled, Status.failed):
        assert allowed_next(LifecycleState(closed)) == []
        assert sum(1 for s, _ in pairs if s.status is closed) == len(Status)


@pytest.mark.parametrize(("state", "to"), [p for p in legal_pairs() if p[1] in REASON_REQUIRED], ids=label)
def test_a_reason_is_required_where_policy_marks_the_status(state, to):
    with pytest.raises(ReasonRequired) as refused:
        transition(state, to, None)
    assert refused.value.to_status is to


@pytest.mark.parametrize(("state", "to"), [p for p in legal_pairs() if p[1] not in REASON_REQUIRED], ids=label)
def test_no_reason_is_needed_elsewhere_but_one_given_is_kept(state, to):
    assert transition(state, to).reason is None
    assert transition(state, to, "needs_met_elsewhere").reason is ReasonCode.needs_met_elsewhere


def test_the_starred_statuses_are_the_ones_needing_a_reason():
    assert REASON_REQUIRED == {Status.rejected, Status.cancelled, Status.failed, Status.on_hold}


@pytest.mark.parametrize("held", HELD_FROM, ids=str)
def test_on_hold_resumes_only_to_the_status_it_was_held_from(held):
    on_hold = transition(LifecycleState(held), Status.on_hold, ReasonCode.in_custody)

    assert on_hold.held_from is held
    assert allowed_next(on_hold) == sorted([held.value, "cancelled", "failed"])
    resumed = transition(on_hold, held)
    assert resumed == LifecycleState(held, None, None)
    for other in HELD_FROM:
        if other is not held:
            with pytest.raises(IllegalTransition):
                transition(on_hold, other)


def test_on_hold_cannot_be_held_again():
    with pytest.raises(IllegalTransition):
        transition(LifecycleState(Status.on_hold, Status.accepted), Status.on_hold, ReasonCode.in_custody)


def test_an_unknown_reason_code_is_refused():
    with pytest.raises(ValueError):
        transition(LifecycleState(Status.requested), Status.rejected, "didnt_fancy_it")


def test_reason_codes_cover_every_documented_failure():
    """../shared/domain/POLICY.md §6 lists them."""
    documented = {"no_contact", "recalled_before_first_contact", "client_not_told", "family_refused",
                  "index_declined_family_contact", "disengaged", "needs_met_elsewhere", "moved_out_of_area",
                  "ineligible_on_assessment", "duplicate", "at_capacity"}
    assert documented <= {r.value for r in ReasonCode}


def test_a_case_is_opened_once_it_went_in_progress():
    assert not case_opened(["requested", "accepted"])
    assert case_opened(["requested", "accepted", "in-progress", "on-hold"])
