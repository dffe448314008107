"""The facts a clause may ask about: the person being decided (`subject.*`) and the index person
(`index.*`), computed once per person at the referral date (or an explicit as-of date).

Clause conditions in the rulebook name these keys; the rulebook loader refuses any other name.
"""
from __future__ import annotations

from datetime import date, datetime

from pathways_shared.contracts.ages import age_on, london_day
from pathways_shared.contracts.referral_v1 import FamilyMember, HouseholdReferral, IndexPerson, Person

__all__ = ["FACT_NAMES", "age_on", "household_facts", "index_facts", "referral_date", "subject_facts"]

SUBJECT_FACTS = ("role", "age", "sex", "relationship", "local_authority", "consent", "no_contact_with_index",
                 "lives_with_index", "needs", "has_carer")
INDEX_FACTS = ("stage", "age", "sex", "release_date", "days_to_release", "days_since_release", "establishment",
               "violent", "convicted", "violence_risk", "past_custody", "imprisoned", "youth_justice_transition",
               "consent", "local_authority", "resettlement_area", "needs")
FACT_NAMES = frozenset([f"subject.{n}" for n in SUBJECT_FACTS] + [f"index.{n}" for n in INDEX_FACTS])


def referral_date(referred_at: datetime) -> date:
    return london_day(referred_at)


def index_facts(index: IndexPerson, on: date, imprisoned_stages: frozenset[str]) -> dict:
    offence = index.offence
    release = index.release_date
    return {
        "index.stage": index.stage.value,
        "index.age": age_on(index, on),
        "index.sex": index.sex.value,
        "index.release_date": release,
        "index.days_to_release": (release - on).days if release else None,
        "index.days_since_release": (on - release).days if release else None,
        "index.establishment": index.establishment,
        "index.violent": offence.violent if offence else None,
        "index.convicted": offence.convicted if offence else None,
        "index.violence_risk": index.violence_risk,
        "index.past_custody": index.past_custody,
        "index.imprisoned": index.stage.value in imprisoned_stages or bool(index.past_custody),
        "index.youth_justice_transition": index.youth_justice_transition,
        "index.consent": index.consent_to_contact_family.value,
        "index.local_authority": index.local_authority.value,
        "index.resettlement_area": (index.resettlement_local_authority or index.local_authority).value,
        "index.needs": frozenset(n.value for n in index.needs),
    }


def subject_facts(person: Person, on: date) -> dict:
    is_index = isinstance(person, IndexPerson)
    member = person if isinstance(person, FamilyMember) else None
    return {
        "subject.role": "index" if is_index else "family",
        "subject.age": age_on(person, on),
        "subject.sex": person.sex.value,
        "subject.relationship": member.relationship.value if member else None,
        "subject.local_authority": person.local_authority.value,
        "subject.consent": (member.consent_to_contact.value if member
                            else person.consent_to_contact_family.value),  # type: ignore[attr-defined]
        "subject.no_contact_with_index": member.no_contact_with_index if member else False,
        "subject.lives_with_index": member.lives_with_index if member else None,
        "subject.needs": frozenset(n.value for n in person.needs),
        "subject.has_carer": bool(member and member.carer_ref),
    }


def household_facts(referral: HouseholdReferral, on: date, imprisoned_stages: frozenset[str]):
    """Yield (person, facts) for every person; index facts are computed once per household."""
    shared = index_facts(referral.index_person, on, imprisoned_stages)
    for person in referral.persons():
        facts = subject_facts(person, on)
        facts.update(shared)
        yield person, facts
