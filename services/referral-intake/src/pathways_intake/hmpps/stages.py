"""Which HMPPS domain events move a person to another stage, and to which one.

Events are thin and may arrive late (prisoner.released is delayed by design) or more than once,
so a stage change is worked out against what is already known about the case: an event that
only confirms it leaves the case exactly as it is. Rules and decisions: docs/hmpps-events.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping

from pathways_shared.contracts.vocabulary import Stage

RELEASED = "prison-offender-events.prisoner.released"
RECEIVED = "prison-offender-events.prisoner.received"
LICENCE_ACTIVATED = "create-and-vary-a-licence.licence.activated"
BOOKING_MADE = "approved-premises.booking.made"
MANAGER_ALLOCATED = "event.manager.allocated"
ACTED_ON = frozenset({RELEASED, RECEIVED, LICENCE_ACTIVATED, BOOKING_MADE, MANAGER_ALLOCATED})

OUT_ON_RELEASE = frozenset({Stage.licence, Stage.approved_premises})
IN_PRISON = frozenset({Stage.remand, Stage.custody, Stage.recalled})
RETURNED = frozenset({Stage.remand, Stage.recalled})  # back in prison after a release, or may be
# Receptions that move someone already in custody (or merge records): no new stage.
NOT_A_NEW_CUSTODY = frozenset({"TRANSFERRED", "RETURN_FROM_COURT", "TEMPORARY_ABSENCE_RETURN",
                               "POST_MERGE_ADMISSION"})
# A release already recorded this long before a release event is the same release (records may
# date it a day or so apart); one recorded earlier was a previous release, and the event a new one.
SAME_RELEASE = timedelta(days=7)


@dataclass(frozen=True)
class CaseStage:
    stage: Stage
    release_date: date | None = None


def acted_on(event_type: str) -> bool:
    return event_type in ACTED_ON


def stage_after(event_type: str, info: Mapping[str, Any], occurred_on: date, case: CaseStage,
                stored: CaseStage | None = None) -> CaseStage | None:
    """The stage the event puts the person in, or None when it changes nothing.

    `case` is what the probation case source says now; `stored` what the intake already holds
    for the case (from an earlier event or the caseload export), if anything.
    """
    if event_type in (RELEASED, LICENCE_ACTIVATED):
        return _released(occurred_on, case, stored)
    if event_type == RECEIVED:
        return _received(info, occurred_on, case, stored)
    if event_type == BOOKING_MADE:
        return CaseStage(Stage.approved_premises, case.release_date)
    if event_type == MANAGER_ALLOCATED:
        return CaseStage(Stage.community_sentence, case.release_date)
    return None


def _released(on: date, case: CaseStage, stored: CaseStage | None) -> CaseStage:
    # What the intake stored may be newer than the source (a caseload row), unless the source
    # knows of a return to prison since: then a stored release is the one before that.
    known = (case,) if case.stage in RETURNED else (case, stored)
    for k in known:
        if k and k.stage in OUT_ON_RELEASE and k.release_date and on - SAME_RELEASE <= k.release_date <= on:
            return k  # already out: a late or repeated event keeps the release date known
    premises = any(k and k.stage is Stage.approved_premises for k in known)
    return CaseStage(Stage.approved_premises if premises else Stage.licence, on)


def _received(info: Mapping[str, Any], on: date, case: CaseStage, stored: CaseStage | None) -> CaseStage | None:
    reason, cause = (str(info.get(key) or "").strip().upper() for key in ("reason", "probableCause"))
    if reason in NOT_A_NEW_CUSTODY:
        return None
    if "RECALL" in (reason, cause):
        stage = Stage.recalled
    elif "REMAND" in (reason, cause):
        stage = Stage.remand
    elif cause == "CONVICTED" or reason == "NEW_ADMISSION":
        stage = Stage.custody
    elif case.stage in IN_PRISON:
        stage = case.stage  # the cause is not given; the case source already knows it
    elif any(k and k.stage in OUT_ON_RELEASE for k in (case, stored)):
        stage = Stage.recalled  # back inside from licence with no cause given: treat as a recall
    else:
        stage = Stage.custody
    # A release date already passed was the last release, not the next one.
    expected = case.release_date if case.release_date and case.release_date > on else None
    return CaseStage(stage, expected)
