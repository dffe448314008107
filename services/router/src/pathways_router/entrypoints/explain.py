"""Decisions as a practitioner reads them: per person, per provider, the clauses that decided."""
from __future__ import annotations

from pathways_shared.contracts.referral_v1 import HouseholdReferral

from ..domain.grouping import Routing
from ..domain.outcomes import Decision


def _name(person) -> str:
    return person.given_name or person.person_ref


def explain_text(referral: HouseholdReferral, routing: Routing, all_clauses: bool = False) -> str:
    names = {p.person_ref: _name(p) for p in referral.persons()}
    version = routing.decisions[0].rulebook_version if routing.decisions else "?"
    lines = [f"Referral {referral.effective_id()} · referred {referral.referred_at.date()} · "
             f"{referral.source.type.value} · rulebook {version}"]
    current = None
    for d in routing.decisions:
        if d.person_ref != current:
            current = d.person_ref
            role = "index person" if d.person_ref == referral.index_person.person_ref else "family member"
            lines.append(f"\n  {names[d.person_ref]} ({d.person_ref}, {role})")
        verdict = d.decision.value + (f" from {d.eligible_from}" if d.eligible_from else "")
        if d.marks:
            verdict += f" [{', '.join(d.marks)}]"
        lines.append(f"    {d.provider:<9} {verdict}")
        shown = d.clauses if all_clauses or d.decision is Decision.eligible else [
            c for c in d.clauses if c.outcome.value == "fail"] if d.decision is Decision.ineligible else [
            c for c in d.clauses if c.outcome.value != "pass"]
        for clause in shown:
            lines.append(f"      {clause.id:<7} {clause.outcome.value:<8} {clause.reason}")
        if d.included_as:
            whom = ", ".join(names.get(r, r) for r in d.included_for)
            lines.append(f"      {d.included_by:<7} included  on the referral as {d.included_as.replace('_', ' ')} of {whom}")
    lines.append("\n  Provider referrals")
    for p in routing.provider_referrals:
        people = ", ".join(f"{names[c.person_ref]} ({c.role.replace('_', ' ')})" for c in p.persons)
        flags = "".join([" · waitlisted" if p.waitlisted else "", " · urgent" if p.urgent else ""])
        lines.append(f"    {p.provider:<9} {people}{flags}")
    for d in routing.awaiting_capacity:
        lines.append(f"    {d.provider:<9} {names[d.person_ref]} waits for capacity ({d.decision.value})")
    if not routing.provider_referrals:
        lines.append("    none yet")
    return "\n".join(lines)
