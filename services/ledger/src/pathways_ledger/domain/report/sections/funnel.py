"""The funnel of the month's provider referrals, where they stand at the month's end, and timeliness."""
from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from datetime import date

from ..config import ReportConfig, add_working_days, london_date
from ..provider_referral import ProviderReferral
from ..state import Fold
from ..tables import Table, TableBuilder
from .common import ALL, new_referrals, providers

STAGES = ("routed", "delivered", "accepted", "first_contact", "in_progress", "completed")
STOPPED = ("rejected", "cancelled", "failed", "on-hold")


def stages_reached(pr: ProviderReferral) -> tuple[bool, ...]:
    accepted = any(s in pr.reached for s in ("accepted", "in-progress", "completed"))
    in_progress = any(s in pr.reached for s in ("in-progress", "completed"))
    return (True, pr.delivered_at is not None, accepted, pr.first_contact_on is not None, in_progress,
            "completed" in pr.reached)


def funnel(fold: Fold) -> tuple[Table, Table]:
    cohort = new_referrals(fold)
    t = TableBuilder("funnel", "Funnel of the provider referrals raised in the month (stage reached by its end)",
                     ("provider", *STAGES), counts=frozenset(STAGES), additive=STAGES)
    rows, reached = [], [(pr.provider, stages_reached(pr)) for pr in cohort]
    for provider in providers(fold):
        mine = [r for p, r in reached if p == provider]
        rows.append(t.add((provider, *(sum(r[i] for r in mine) for i in range(len(STAGES))))))
    t.adds_up(rows, t.add((ALL, *(sum(r[i] for _, r in reached) for i in range(len(STAGES))))))
    stopped = Counter((pr.provider, pr.at_end[1], pr.at_end[2] or "none") for pr in cohort
                      if pr.at_end and pr.at_end[1] in STOPPED)
    o = TableBuilder("funnel_stopped", "Rejected, cancelled, failed or on hold at the month's end, by reason",
                     ("provider", "status", "reason", "provider_referrals"), counts=frozenset({"provider_referrals"}),
                     additive=("provider_referrals",))
    keys = sorted({(s, r) for _, s, r in stopped}, key=lambda k: (STOPPED.index(k[0]), k[1]))
    for status, reason in keys:
        parts = [o.add((p, status, reason, stopped[(p, status, reason)])) for p in providers(fold)
                 if stopped[(p, status, reason)]]
        o.adds_up(parts, o.add((ALL, status, reason, sum(stopped[(p, status, reason)] for p in providers(fold)))))
    return t.build(), o.build()


def _days(cohort: list[ProviderReferral]) -> dict[str, dict[str, list[int]]]:
    """provider (and 'all') → measure → days, each provider referral's dates worked out once."""
    found = defaultdict(lambda: defaultdict(list))
    for pr in cohort:
        raised, mine, every = london_date(pr.raised_at), found[pr.provider], found[ALL]
        if pr.delivered_at:
            days = (london_date(pr.delivered_at) - raised).days
            mine["referral_to_delivery"].append(days)
            every["referral_to_delivery"].append(days)
        if pr.first_contact_on:
            days = (pr.first_contact_on - raised).days
            mine["referral_to_first_contact"].append(days)
            every["referral_to_first_contact"].append(days)
        started = pr.reached.get("in-progress")
        if started:
            days = (london_date(started) - raised).days
            mine["referral_to_in_progress"].append(days)
            every["referral_to_in_progress"].append(days)
    return found


def percentile(values: list[int], p: int) -> int:
    """Nearest rank: the smallest value with at least p% of values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timeliness(fold: Fold, config: ReportConfig) -> tuple[Table, Table]:
    cohort = new_referrals(fold)
    t = TableBuilder("timeliness", "Days from referral, for the provider referrals raised in the month",
                     ("provider", "measure", "referrals", "median_days", "p90_days"), counts=frozenset({"referrals"}),
                     guards=(("median_days", "referrals"), ("p90_days", "referrals")))
    by_provider = _days(cohort)
    for provider in [*providers(fold), ALL]:
        found = by_provider.get(provider, {})
        for measure in ("referral_to_delivery", "referral_to_first_contact", "referral_to_in_progress"):
            values = found.get(measure, [])
            median = round(float(statistics.median(values)), 1) if values else None
            t.add((provider, measure, len(values), median, percentile(values, 90) if values else None))
    return t.build(), _deadline(fold, config)


def _deadline(fold: Fold, config: ReportConfig) -> Table:
    """Provider referrals delivered in the month, and those whose first contact came (or is still
    missing) after the deadline, counted once it has passed within the month."""
    last_day: date = fold.month.last_day
    t = TableBuilder("first_contact_deadline",
                     f"First contact within {config.first_contact_working_days} working days of delivery",
                     ("provider", "delivered", "over_deadline", "reminders_raised"),
                     counts=frozenset({"delivered", "over_deadline", "reminders_raised"}),
                     additive=("delivered", "over_deadline", "reminders_raised"))
    rows = []
    totals = [0, 0, 0]
    by_provider, due_after = defaultdict(list), {}  # delivery day → first contact due
    for pr in fold.referrals.values():
        if fold.in_month(pr.delivered_at):
            by_provider[pr.provider].append(pr)
    for provider in providers(fold):
        delivered = by_provider[provider]
        over = 0
        for pr in delivered:
            day = london_date(pr.delivered_at)
            if day not in due_after:
                due_after[day] = add_working_days(day, config.first_contact_working_days, config.holidays)
            due = due_after[day]
            contact = pr.first_contact_on
            over += (contact is not None and contact > due) or (contact is None and due < last_day)
        row = (len(delivered), over, fold.reminders[provider])
        totals = [a + b for a, b in zip(totals, row)]
        rows.append(t.add((provider, *row)))
    t.adds_up(rows, t.add((ALL, *totals)))
    return t.build()
