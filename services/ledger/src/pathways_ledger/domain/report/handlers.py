"""How each event type the report reads updates the fold (state.py).

Each handler takes the fold, the event's occurred_at and its additionalInformation; the fold
calls it only for events before the month's end. Events come in any order, so each handler keeps
the reading it wants whatever arrives later: the latest status or capacity, the earliest delivery
or first contact, the highest revision.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pathways_shared.events import EventType as E

from .provider_referral import CLOSED, ProviderReferral

if TYPE_CHECKING:  # the fold imports this module to dispatch events
    from .state import Fold


def _pr(fold: Fold, info: dict) -> ProviderReferral:
    pr_id = info["provider_referral_id"]
    pr = fold.referrals.get(pr_id)
    if pr is None:  # an event about a provider referral the ledger never saw raised
        pr = fold.referrals[pr_id] = ProviderReferral(pr_id, info.get("provider", "unknown"))
    return pr


def _submitted(fold: Fold, at: datetime, info: dict) -> None:
    referral, same = info["referral_id"], fold._same.setdefault
    if "source_type" in info:
        fold.sources[referral] = same(info["source_type"], info["source_type"])
    for ref, pseudonym in info.get("pseudonyms", {}).items():
        fold.pseudonyms[(referral, same(ref, ref))] = pseudonym
    revision = info.get("revision", 0)
    if info.get("profiles") and revision >= fold.profile_revisions.get(referral, -1):
        fold.profile_revisions[referral] = revision
        for ref, p in info["profiles"].items():
            profile = (p["age_band"], p["sex"], p["ethnicity_group"], p["local_authority"],
                       tuple(p.get("missing", ())))
            fold.profiles[(referral, same(ref, ref))] = same(profile, profile)


def _routed(fold: Fold, at: datetime, info: dict) -> None:
    if at < fold.start:
        return
    referral, revision = info["referral_id"], info.get("revision", 0)
    if revision >= fold.routings.get(referral, (-1,))[0]:
        decisions = tuple((d["person_ref"], d["provider"], d["decision"],
                           tuple((c["id"], c["outcome"]) for c in d.get("clauses", ()) if c["outcome"] != "pass"))
                          for d in info.get("decisions", ()))
        fold.routings[referral] = (revision, at, decisions)


def _raised(fold: Fold, at: datetime, info: dict) -> None:
    pr, same = _pr(fold, info), fold._same.setdefault
    pr.provider, pr.referral_id, pr.raised_at = same(info["provider"], info["provider"]), info["referral_id"], at
    pr.source, pr.parent_id = info.get("source"), info.get("parent_provider_referral_id")
    pr.onward_reason, pr.waitlisted = info.get("onward_reason"), bool(info.get("waitlisted"))
    pr.persons = tuple((p["person_ref"], p["pseudonym"]) for p in info.get("persons", ()))


def _delivered(fold: Fold, at: datetime, info: dict) -> None:
    pr = _pr(fold, info)
    if pr.delivered_at is None or at < pr.delivered_at:
        pr.delivered_at = at


def _status(fold: Fold, at: datetime, info: dict) -> None:
    pr, to = _pr(fold, info), info["to_status"]
    to = fold._same.setdefault(to, to)
    snapshot = (at, to, info.get("reason"))
    if at < fold.start and (not pr.at_start or at >= pr.at_start[0]):
        pr.at_start = snapshot
    if not pr.at_end or at >= pr.at_end[0]:
        pr.at_end = snapshot
    if to not in pr.reached or at < pr.reached[to]:
        pr.reached[to] = at
    if to in CLOSED and fold.in_month(at):
        pr.closed_in_month += 1


def _first_contact(fold: Fold, at: datetime, info: dict) -> None:
    pr, on = _pr(fold, info), date.fromisoformat(info["contacted_on"])
    if pr.first_contact_on is None or on < pr.first_contact_on:
        pr.first_contact_on = on


def _duplicate(fold: Fold, at: datetime, info: dict) -> None:
    if fold.in_month(at):
        fold.duplicates.append((info["provider"], info["pseudonym"], info["referral_id"], info["person_ref"]))


def _star(fold: Fold, at: datetime, info: dict) -> None:
    reading = (info["recorded_on"], at, info["scores"])
    held = fold.stars.setdefault((info["provider_referral_id"], info["pseudonym"]), [reading, reading])
    held[0] = min(held[0], reading, key=lambda r: r[:2])
    held[1] = max(held[1], reading, key=lambda r: r[:2])
    _pr(fold, info)


def _reminder(fold: Fold, at: datetime, info: dict) -> None:
    if fold.in_month(at):
        fold.reminders[info["provider"]] += 1


def _capacity(fold: Fold, at: datetime, info: dict) -> None:
    if info["provider"] not in fold.capacity or at >= fold.capacity[info["provider"]][0]:
        fold.capacity[info["provider"]] = (at, info["capacity"])


# Plain functions, not the fold's bound methods, so a fold holds no reference cycle and is freed as
# soon as it is dropped.
HANDLERS = {
    E.referral_submitted: _submitted, E.referral_updated: _submitted, E.referral_routed: _routed,
    E.provider_referral_raised: _raised, E.provider_referral_delivered: _delivered,
    E.provider_referral_status_changed: _status, E.first_contact_recorded: _first_contact,
    E.duplicate_presentation_recorded: _duplicate, E.outcome_star_recorded: _star,
    E.first_contact_reminder_raised: _reminder, E.provider_capacity_changed: _capacity,
}
