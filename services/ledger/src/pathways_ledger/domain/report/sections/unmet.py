"""Unmet need: routing decisions of the month that did not become (live) provider referrals."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from pathways_shared.contracts.profiles import AGE_BANDS

from ..config import ReportConfig, london_date
from ..state import Fold
from ..tables import Table, TableBuilder
from .common import ALL, providers

_ADULT_BANDS = frozenset(label for low, label in AGE_BANDS if low >= 18)
_BY_CRITERION = {"area": "outside_area", "consent": "consent_refused"}
_BY_DECISION = {"held": "consent_pending", "not_yet": "not_yet_eligible", "review": "review"}


def reason_for(decision: tuple, covered: dict, duplicates: set, fold: Fold, referral: str,
               config: ReportConfig) -> str | None:
    """Why a decision did not become a referral; None when it did, or when the person is not
    whom the provider serves at all (a `subject` clause failed: no need the provider could meet)."""
    person_ref, provider, outcome, not_passed = decision
    key = (referral, provider, person_ref)
    if outcome in ("eligible", "stretch"):
        if key in covered:
            return "waiting_list" if covered[key].waitlisted else None
        if key in duplicates:
            return "duplicate_of_open_referral"
        return "stretch_without_capacity" if outcome == "stretch" else "not_raised"
    if outcome in _BY_DECISION:
        return _BY_DECISION[outcome]
    failed = [config.clause_criteria.get(clause, "other_criteria") for clause, result in not_passed
              if result == "fail"]
    if not failed or "subject" in failed:
        return None
    if failed[0] == "age":
        band = fold.profiles.get((referral, person_ref), ("",))[0]
        return "over_age" if band in _ADULT_BANDS else "too_young" if band else "age"
    return _BY_CRITERION.get(failed[0], failed[0])


def unmet_need(fold: Fold, config: ReportConfig) -> tuple[Table, Table]:
    covered = {(pr.referral_id, pr.provider, ref): pr for pr in fold.referrals.values() if pr.raised_at
               for ref, _ in pr.persons}
    duplicates = {(referral, provider, ref) for provider, _, referral, ref in fold.duplicates}
    counts = defaultdict(lambda: [0, set()])
    queue = defaultdict(lambda: [0, None])
    for referral, (_, routed_at, decisions) in sorted(fold.routings.items()):
        for decision in decisions:
            reason = reason_for(decision, covered, duplicates, fold, referral, config)
            if reason is None:
                continue
            person = fold.pseudonyms.get((referral, decision[0]), f"{referral}:{decision[0]}")
            for provider in (decision[1], ALL):
                cell = counts[(provider, reason)]
                cell[0] += 1
                cell[1].add(person)
            if reason == "review":
                clause = next((c for c, r in decision[3] if r == "review"), "unknown")
                held = queue[(decision[1], clause)]
                held[0] += 1
                routed_on: date = london_date(routed_at)
                held[1] = routed_on if held[1] is None else min(held[1], routed_on)
    t = TableBuilder("unmet_need", "Decisions of the month that did not become referrals, by reason",
                     ("provider", "reason", "decisions", "unique_persons"),
                     counts=frozenset({"decisions", "unique_persons"}), additive=("decisions",))
    reasons = sorted({r for _, r in counts})
    for reason in reasons:
        parts = [t.add((p, reason, counts[(p, reason)][0], len(counts[(p, reason)][1]))) for p in providers(fold)
                 if (p, reason) in counts]
        t.adds_up(parts, t.add((ALL, reason, counts[(ALL, reason)][0], len(counts[(ALL, reason)][1]))))
    q = TableBuilder("review_queue", "The review queue at the month's end: decisions a person must make",
                     ("provider", "clause", "decisions", "oldest_waiting_days"), counts=frozenset({"decisions"}),
                     guards=(("oldest_waiting_days", "decisions"),))
    for (provider, clause), (n, oldest) in sorted(queue.items()):
        q.add((provider, clause, n, (fold.month.last_day - oldest).days))
    return t.build(), q.build()
