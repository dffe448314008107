"""Problems found in a referral document, each named by its field path."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
    return problems
