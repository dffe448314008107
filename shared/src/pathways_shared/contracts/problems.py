"""Problems found in a referral document, each named by its field path."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

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


def cross_field_errors(raw: dict) -> list[Problem]:
    """Checks that span fields. Tolerant of a malformed document: it looks only at what it can read."""
    problems: list[Problem] = []
    index = raw.get("index_person") if isinstance(raw.get("index_person"), dict) else {}
    seen = {index.get("person_ref")} if index.get("person_ref") else set()
    family_refs = {m.get("person_ref") for _, m in _members(raw)}
    for i, member in _members(raw):
        ref = member.get("person_ref")
        if isinstance(ref, str) and ref in seen:
            problems.append(Problem(("family_members", i, "person_ref"), "duplicate_person_ref",
                                    "person_ref must be unique within the referral", ref))
        seen.add(ref)
        carer = member.get("carer_ref")
        if carer is not None and (carer == ref or carer not in family_refs):
            problems.append(Problem(("family_members", i, "carer_ref"), "unknown_carer_ref",
                                    "carer_ref must name another family member's person_ref", carer))
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    is_provider = source.get("type") == "provider"
    if source.get("provider_id") is not None and not is_provider:
        problems.append(Problem(("source", "provider_id"), "provider_id_not_allowed",
                                "provider_id is only allowed when source.type is 'provider'", source["provider_id"]))
    if is_provider and source.get("provider_id") is None:
        problems.append(Problem(("source", "provider_id"), "missing",
                                "provider_id is required when source.type is 'provider'"))
    if source.get("parent_referral_id") is not None and not is_provider:
        problems.append(Problem(("source", "parent_referral_id"), "parent_not_allowed",
                                "parent_referral_id is only allowed for onward referrals (source.type 'provider')",
                                source["parent_referral_id"]))
    problems += _born_after_referral(raw, index)
    return problems


def _born_after_referral(raw: dict, index: dict) -> list[Problem]:
    """A date of birth after the referral day cannot be right (and would make an age below zero)."""
    try:
        referred = datetime.fromisoformat(str(raw.get("referred_at")).replace("Z", "+00:00"))
        referral_day = referred.astimezone(LONDON).date() if referred.tzinfo else referred.date()
    except ValueError:
        return []
    people = [(("index_person", "date_of_birth"), index)]
    people += [(("family_members", i, "date_of_birth"), m) for i, m in _members(raw)]
    found = []
    for loc, person in people:
        try:
            born = date.fromisoformat(str(person.get("date_of_birth")))
        except ValueError:
            continue
        if born > referral_day:
            found.append(Problem(loc, "born_after_referral",
                                 f"date_of_birth is after the referral day ({referral_day.isoformat()})", born.isoformat()))
    return found


def household_errors(referral) -> list[Problem]:
    """cross_field_errors of a HouseholdReferral the contract has read field by field: the same
    problems, values as its JSON form gives them, without dumping the referral to JSON first."""
    problems: list[Problem] = []
    members = referral.family_members
    seen, family_refs = {referral.index_person.person_ref}, {m.person_ref for m in members}
    for i, member in enumerate(members):
        ref, carer = member.person_ref, member.carer_ref
        if ref in seen:
            problems.append(Problem(("family_members", i, "person_ref"), "duplicate_person_ref",
                                    "person_ref must be unique within the referral", ref))
        seen.add(ref)
        if carer is not None and (carer == ref or carer not in family_refs):
            problems.append(Problem(("family_members", i, "carer_ref"), "unknown_carer_ref",
                                    "carer_ref must name another family member's person_ref", carer))
    source = referral.source
    is_provider = source.type == "provider"
    if source.provider_id is not None and not is_provider:
        problems.append(Problem(("source", "provider_id"), "provider_id_not_allowed",
                                "provider_id is only allowed when source.type is 'provider'", source.provider_id))
    if is_provider and source.provider_id is None:
        problems.append(Problem(("source", "provider_id"), "missing",
                                "provider_id is required when source.type is 'provider'"))
    if source.parent_referral_id is not None and not is_provider:
        problems.append(Problem(("source", "parent_referral_id"), "parent_not_allowed",
                                "parent_referral_id is only allowed for onward referrals (source.type 'provider')",
                                str(source.parent_referral_id)))
    referral_day = referral.referred_at.astimezone(LONDON).date()
    people = [(("index_person", "date_of_birth"), referral.index_person)]
    people += [(("family_members", i, "date_of_birth"), m) for i, m in enumerate(members)]
    for loc, person in people:
        born = person.date_of_birth
        if born is not None and born > referral_day:
            problems.append(Problem(loc, "born_after_referral",
                                    f"date_of_birth is after the referral day ({referral_day.isoformat()})",
                                    born.isoformat()))
    return problems
