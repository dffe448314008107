"""Keyed pseudonyms: one stable, unlinkable-without-the-key reference per person.

The same person referred twice (same CRN or NOMS number, or same name and date of birth) gets
the same pseudonym, so reports can count unique persons without holding identities.
"""
from __future__ import annotations

import hashlib
import hmac
import unicodedata
from functools import lru_cache

from .contracts.referral_v1 import HouseholdReferral, Person


def _norm(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def identity_of(person: Person, referral: HouseholdReferral) -> str:
    for kind in ("CRN", "NOMS"):
        for ident in person.identifiers:
            if ident.type == kind:  # a StrEnum equals its value (and .value is slow to read)
                return f"{kind}:{_norm(ident.value)}"
    if person.given_name and person.family_name and person.date_of_birth:
        return f"NAME:{_norm(person.given_name)}|{_norm(person.family_name)}|{person.date_of_birth.isoformat()}"
    # Nothing identifying: the person is unique to this referral.
    return f"REF:{referral.effective_id()}:{person.person_ref}"


def pseudonym(identity: str, key: bytes) -> str:
    keyed = _keyed(key).copy()   # the key's HMAC state made once: a household has several persons
    keyed.update(identity.encode())
    return "pp_" + keyed.hexdigest()[:32]


@lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)


def household_pseudonyms(referral: HouseholdReferral, key: bytes) -> dict[str, str]:
    return {p.person_ref: pseudonym(identity_of(p, referral), key) for p in referral.persons()}
