"""The provider referral lifecycle (POLICY.md §6): statuses, the declared transition table,
reason codes, first contact and Outcomes Star readings. Every service reads these words from here.

Statuses are the HL7 Gravity referral Task codes. Reason codes name each documented failure
(the F-numbers of SOURCES.md §2.3 in comments) so monthly returns can count them.
"""
from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType


class Status(StrEnum):
    requested = "requested"          # delivered to the provider, not yet answered
    accepted = "accepted"
    rejected = "rejected"
    in_progress = "in-progress"      # case opened
    on_hold = "on-hold"
    completed = "completed"
    cancelled = "cancelled"
    failed = "failed"


OPEN = frozenset({Status.requested, Status.accepted, Status.in_progress, Status.on_hold})
CLOSED = frozenset(Status) - OPEN

# From each status, where it may go next. `on-hold` resumes to the status it was held from
# (the service checks that), or closes.
TRANSITIONS = MappingProxyType({
    Status.requested: frozenset({Status.accepted, Status.rejected, Status.on_hold, Status.cancelled}),
    Status.accepted: frozenset({Status.in_progress, Status.on_hold, Status.cancelled}),
    Status.in_progress: frozenset({Status.completed, Status.cancelled, Status.failed, Status.on_hold}),
    Status.on_hold: frozenset({Status.requested, Status.accepted, Status.in_progress,
                               Status.cancelled, Status.failed}),
    Status.rejected: frozenset(),
    Status.completed: frozenset(),
    Status.cancelled: frozenset(),
    Status.failed: frozenset(),
})

# Entering these statuses needs a reason code (the starred statuses of POLICY.md §6).
REASON_REQUIRED = frozenset({Status.rejected, Status.cancelled, Status.failed, Status.on_hold})


class ReasonCode(StrEnum):
    no_contact = "no_contact"                                       # F2 no contact details or no response
    recalled_before_first_contact = "recalled_before_first_contact"  # F1
    client_not_told = "client_not_told"                             # F3
    family_refused = "family_refused"                               # F4
    index_declined_family_contact = "index_declined_family_contact"  # F6, F19
    disengaged = "disengaged"                                       # F5 part-way
    needs_met_elsewhere = "needs_met_elsewhere"
    moved_out_of_area = "moved_out_of_area"
    ineligible_on_assessment = "ineligible_on_assessment"           # F21
    duplicate = "duplicate"
    at_capacity = "at_capacity"                                     # F13
    transferred_prison = "transferred_prison"                       # F16
    in_custody = "in_custody"                                       # on hold while the person is inside
    consent_withdrawn = "consent_withdrawn"                         # its consent gate closed before delivery


def allowed_next(status: Status) -> list[str]:
    return sorted(s.value for s in TRANSITIONS[status])


class ContactMethod(StrEnum):
    phone = "phone"
    in_person = "in_person"
    video = "video"
    letter = "letter"
    email = "email"
    prison_visit = "prison_visit"


class StarReading(StrEnum):
    opening = "opening"
    review = "review"
    closing = "closing"


# The Outcomes Star (homelessness version) used by POPS: ten factors, each scored 1–10.
STAR_FACTORS = (
    "motivation_and_taking_responsibility",
    "self_care_and_living_skills",
    "managing_money",
    "social_networks_and_relationships",
    "drug_and_alcohol_misuse",
    "physical_health",
    "emotional_and_mental_health",
    "meaningful_use_of_time",
    "managing_tenancy_and_accommodation",
    "offending",
)
STAR_BANDS = ((1, 2, "Stuck"), (3, 4, "Accepting help"), (5, 6, "Believing"), (7, 8, "Learning"),
              (9, 10, "Self-reliance"))


def star_band(score: int) -> str:
    for low, high, name in STAR_BANDS:
        if low <= score <= high:
            return name
    raise ValueError(f"an Outcomes Star score is 1–10, not {score}")

