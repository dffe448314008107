"""A submitted household referral as the intake keeps it, and the consent changes made to it."""
from __future__ import annotations

import hashlib
import hmac

from pathways_shared.contracts.referral_v1 import HouseholdReferral
from pathways_shared.contracts.vocabulary import Consent

from .compact_json import compact_json


class ReferralNotFound(LookupError):
    """No referral with that id was accepted here."""


class PersonNotInReferral(LookupError):
    """The person_ref names nobody in the referral."""


class ConcurrentChange(RuntimeError):
    """The referral kept changing underneath an update; the caller may try again."""


def stored_document(referral: HouseholdReferral) -> dict:
    """The clear document as stored: normalised by the contract, carrying its effective id."""
    document = referral.model_dump(mode="json", exclude_none=True)
    document["referral_id"] = str(referral.effective_id())
    return document


def content_hash(referral: HouseholdReferral, key: bytes) -> str:
    """Equal for documents the contract reads the same (key order, spacing, trimmed text). Keyed
    (HMAC-SHA256, the pseudonym key): without the key a stored digest cannot confirm a guessed
    document."""
    return document_hash(stored_document(referral), key)


def document_hash(document: dict, key: bytes) -> str:
    """content_hash of the referral whose stored_document this is (made once, used for both)."""
    return hmac.new(key, _canonical_json(document), hashlib.sha256).hexdigest()


def unkeyed_content_hash(referral: HouseholdReferral) -> str:
    """The plain SHA-256 stored before digests were keyed: still recognised, never stored again."""
    return hashlib.sha256(_canonical(referral)).hexdigest()


def _canonical(referral: HouseholdReferral) -> bytes:
    return _canonical_json(stored_document(referral))


def _canonical_json(document: dict) -> bytes:
    return compact_json(document, sort_keys=True)


def with_consent(document: dict, person_ref: str, consent: Consent) -> dict | None:
    """The document with the person's consent set, or None when it already says so.

    For the index person this is consent to contact their family; for a family member, their
    own consent to be contacted (a carer's, for a child)."""
    index = document["index_person"]
    if index["person_ref"] == person_ref:
        field, person, position = "consent_to_contact_family", index, None
    else:
        members = document.get("family_members", [])
        position = next((i for i, m in enumerate(members) if m["person_ref"] == person_ref), None)
        if position is None:
            raise PersonNotInReferral(person_ref)
        field, person = "consent_to_contact", members[position]
    if person.get(field, Consent.not_asked.value) == consent.value:
        return None
    changed = {**person, field: consent.value}
    if position is None:
        return {**document, "index_person": changed}
    members = list(document["family_members"])
    members[position] = changed
    return {**document, "family_members": members}
