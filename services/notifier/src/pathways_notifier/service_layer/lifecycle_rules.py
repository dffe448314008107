"""The rules of the provider referral service that need no database: what it refuses, the checks
of a caller's input that refuse it, and which deliveries can be overdue yet. The provider API and
the inbox map the refusals to their answers.

A provider referral of another provider is NotFound, exactly like an unknown one.
"""
from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime, time, timedelta

from pathways_shared.contracts.ages import LONDON

from ..domain.working_days import Timeliness
from .lifecycle_views import local_date


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    """The provider referral is not in a state that allows this (HTTP 409)."""


class InvalidInput(ValueError):
    """A value the caller sent cannot be accepted (HTTP 422); `field` names it."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


# Whose provider referrals a caller may see: one provider id, several, or None for any (an admin).
Providers = str | Collection[str] | None


def provider_set(provider: Providers) -> frozenset[str] | None:
    return frozenset([provider]) if isinstance(provider, str) else (None if provider is None else frozenset(provider))


def as_provider_referral_id(provider_referral_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(provider_referral_id))
    except ValueError:
        raise NotFound(f"no provider referral {provider_referral_id} here") from None


def delivered_before(today: date, timeliness: Timeliness) -> datetime:
    """Nothing delivered from this moment on can be overdue today: a due date is at least
    `working_days` calendar days after delivery."""
    return datetime.combine(today - timedelta(days=timeliness.working_days), time(0), LONDON)


def check_contacted_on(contacted_on: date, delivered_at: datetime, today: date) -> None:
    """First contact falls between the day of delivery (in England) and today."""
    if contacted_on > today:
        raise InvalidInput("contacted_on", f"{contacted_on} is in the future")
    if contacted_on < local_date(delivered_at):
        raise InvalidInput("contacted_on", f"{contacted_on} is before the referral was delivered")


def pseudonym_of(persons: list[dict], person_ref: str) -> str | None:
    """The pseudonym of a person the provider referral covers (None if it has none); an
    Outcomes Star reading of anyone else is refused."""
    for person in persons:
        if person["person_ref"] == person_ref:
            return person.get("pseudonym")
    raise InvalidInput("person_ref", f"{person_ref!r} is not covered by this provider referral")
