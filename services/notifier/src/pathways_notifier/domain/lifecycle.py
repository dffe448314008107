"""One provider referral's lifecycle (../shared/domain/POLICY.md §6): a status change is applied
against the declared table in pathways_shared.contracts.lifecycle, or refused with what is allowed.

`on-hold` resumes only to the status it was held from (or closes), so a referral cannot skip
being accepted by going on hold and coming back `in-progress`.
"""
from __future__ import annotations

from dataclasses import dataclass

from pathways_shared.contracts.lifecycle import OPEN, REASON_REQUIRED, TRANSITIONS, ReasonCode, Status


class LifecycleError(ValueError):
    pass


class IllegalTransition(LifecycleError):
    def __init__(self, from_status: Status, to_status: Status, allowed: list[str]):
        self.from_status, self.to_status, self.allowed = from_status, to_status, allowed
        nexts = ", ".join(allowed) or "none: it is closed"
        super().__init__(f"a provider referral cannot go from {from_status} to {to_status}; allowed next: {nexts}")


class ReasonRequired(LifecycleError):
    def __init__(self, to_status: Status):
        self.to_status = to_status
        super().__init__(f"a reason code is required to move a provider referral to {to_status}")


@dataclass(frozen=True)
class LifecycleState:
    status: Status
    held_from: Status | None = None    # set while on hold
    reason: ReasonCode | None = None   # of the change that led here


def allowed_next(state: LifecycleState) -> list[str]:
    """Where this provider referral may go next, sorted."""
    nexts = TRANSITIONS[state.status]
    if state.status is Status.on_hold:
        nexts = {s for s in nexts if s not in OPEN or s == state.held_from}
    return sorted(s.value for s in nexts)


def transition(state: LifecycleState, to_status: Status | str,
               reason: ReasonCode | str | None = None) -> LifecycleState:
    """The state after moving to `to_status`, or IllegalTransition / ReasonRequired.

    A reason is kept when given for any status (it helps a return), required where POLICY.md
    marks the status."""
    to_status = Status(to_status)
    reason = ReasonCode(reason) if reason else None
    allowed = allowed_next(state)
    if to_status.value not in allowed:
        raise IllegalTransition(state.status, to_status, allowed)
    if reason is None and to_status in REASON_REQUIRED:
        raise ReasonRequired(to_status)
    held_from = state.status if to_status is Status.on_hold else None
    return LifecycleState(to_status, held_from, reason)


def case_opened(statuses_entered: list[Status | str]) -> bool:
    """Whether the provider opened a case (went `in-progress`) at some point."""
    return Status.in_progress in {Status(s) for s in statuses_entered}
