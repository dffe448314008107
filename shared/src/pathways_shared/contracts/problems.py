"""Problems found in a referral document, each named by its field path."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .dates import written_date

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Problem:
    loc: tuple
    type: str
    message: str
    value: Any = None

    @property
    def path(self) -> str:
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "(document)"

    def as_dict(self) -> dict:
        return {"path": self.path, "type": self.type, "message": self.message}


def _members(raw: dict) -> list[tuple[int, dict]]:
    members = raw.get("family_members")
    if not isinstance(members, list):
        return []
    return [(i, m) for i, m in enumerate(members) if isinstance(m, dict)]


@dataclass(frozen=True)
class _Household:
    """What the cross-field checks read, from a raw document or from a referral already read."""
    index_ref: Any
    members: list[tuple[int, Any, Any]]        # (position, person_ref, carer_ref)
    source_type: Any
    provider_id: Any
    parent_referral_id: Any                    # as the problem shows it
    referral_day: date | None                  # None: unreadable, so no date is checked against it
    born: list[tuple[tuple, date]]             # (path, date of birth) of those whose date reads


def cross_field_errors(raw: dict) -> list[Problem]:
    """Checks that span fields. Tolerant of a malformed document: it looks only at what it can read."""
    index = raw.get("index_person") if isinstance(raw.get("index_person"), dict) else {}
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    try:
        referred = datetime.fromisoformat(str(raw.get("referred_at")).replace("Z", "+00:00"))
        referral_day = referred.astimezone(LONDON).date() if referred.tzinfo else referred.date()
    except (ValueError, OverflowError):   # OverflowError: a moment with no London day (year 1)
        referral_day = None
    people = [(("index_person", "date_of_birth"), index)]
    people += [(("family_members", i, "date_of_birth"), m) for i, m in _members(raw)]
    born = [(loc, day) for loc, person in people if (day := written_date(person.get("date_of_birth"))) is not None]
    return _checked(_Household(
        index.get("person_ref"), [(i, m.get("person_ref"), m.get("carer_ref")) for i, m in _members(raw)],
        source.get("type"), source.get("provider_id"), source.get("parent_referral_id"), referral_day, born))


def household_errors(referral) -> list[Problem]:
    """cross_field_errors of a HouseholdReferral the contract has read field by field: the same
    problems, values as its JSON form gives them, without dumping the referral to JSON first."""
    members, source = referral.family_members, referral.source
    born = [(("index_person", "date_of_birth"), referral.index_person.date_of_birth)]
    born += [(("family_members", i, "date_of_birth"), m.date_of_birth) for i, m in enumerate(members)]
    parent = source.parent_referral_id
    return _checked(_Household(
        referral.index_person.person_ref, [(i, m.person_ref, m.carer_ref) for i, m in enumerate(members)],
        source.type, source.provider_id, None if parent is None else str(parent),
        referral.referred_at.astimezone(LONDON).date(), [(loc, d) for loc, d in born if d is not None]))


def _checked(household: _Household) -> list[Problem]:
    """The cross-field rules, once for both readings."""
    problems: list[Problem] = []
    # A reference of the wrong type (raw reading) is the field's own problem, reported by the model.
    seen = {household.index_ref} if isinstance(household.index_ref, str) else set()
    family_refs = {ref for _, ref, _ in household.members if isinstance(ref, str)}
    for i, ref, carer in household.members:
        if isinstance(ref, str) and ref in seen:
            problems.append(Problem(("family_members", i, "person_ref"), "duplicate_person_ref",
                                    "person_ref must be unique within the referral", ref))
        if isinstance(ref, str):
            seen.add(ref)
        if isinstance(carer, str) and (carer == ref or carer not in family_refs):
            problems.append(Problem(("family_members", i, "carer_ref"), "unknown_carer_ref",
                                    "carer_ref must name another family member's person_ref", carer))
    is_provider = household.source_type == "provider"
    if household.provider_id is not None and not is_provider:
        problems.append(Problem(("source", "provider_id"), "provider_id_not_allowed",
                                "provider_id is only allowed when source.type is 'provider'", household.provider_id))
    if is_provider and household.provider_id is None:
        problems.append(Problem(("source", "provider_id"), "missing",
                                "provider_id is required when source.type is 'provider'"))
    if household.parent_referral_id is not None and not is_provider:
        problems.append(Problem(("source", "parent_referral_id"), "parent_not_allowed",
                                "parent_referral_id is only allowed for onward referrals (source.type 'provider')",
                                household.parent_referral_id))
    day = household.referral_day
    if day is not None:  # a date of birth after the referral day cannot be right (an age below zero)
        problems += [Problem(loc, "born_after_referral", f"date_of_birth is after the referral day ({day.isoformat()})",
                             born.isoformat()) for loc, born in household.born if born > day]
    return problems
