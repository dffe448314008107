"""Probation cases as a case source gives them, and the household referral each one makes.

HMPPS events say only whose case changed; the case itself (the person, their household) comes
from a ProbationCaseSource: the probation case API over HTTP, or a JSON file for the demo.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pathways_shared.contracts.referral_v1 import FamilyMember, HouseholdReferral, IndexPerson, PersonRef, Text
from pathways_shared.contracts.vocabulary import Consent, IdentifierType, SourceType

from ..domain.case_key import case_referral_id
from .messages import CaseIdentifiers
from .stages import CaseStage

INDEX_REF = "ix"
CRN = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]\d{6}$")]
NOMS = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]\d{4}[A-Z]{2}$")]


class CaseSourceUnavailable(RuntimeError):
    """The case source could not answer (down, timing out, refusing); ask again later.
    The message names no person: it is stored and shown as the reason."""


class CasePerson(IndexPerson):
    """The person on probation as the case source describes them (the intake contract's index
    person); person_ref and identifiers are set from the case, so they may be left out."""
    person_ref: PersonRef = INDEX_REF


class CaseRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    crn: CRN
    noms: NOMS | None = None
    organisation: Text | None = None  # becomes the referral's source organisation
    person: CasePerson
    family_members: list[FamilyMember] = Field(default_factory=list, max_length=40)

    def stage(self) -> CaseStage:
        return CaseStage(self.person.stage, self.person.release_date)


class ProbationCaseSource(Protocol):
    async def get_case(self, identifiers: CaseIdentifiers) -> CaseRecord | None:
        """The case the identifiers name, or None when the source does not know it.
        Raises CaseSourceUnavailable when it cannot tell."""


def household_referral(record: CaseRecord, stage: CaseStage, *, referred_at: datetime,
                       case_key: bytes, recorded: dict | None = None) -> HouseholdReferral:
    """The case as a v1 household referral at `stage`, under the case's referral id; `recorded`:
    the document the intake holds for the case, whose consent decisions the case keeps (below).
    Raises ValidationError when the case does not make a valid referral."""
    index = record.person.model_dump(mode="json", exclude_none=True)
    # Exactly as the caseload export builds it (feed.rows), so neither feed undoes the other.
    index["person_ref"] = INDEX_REF
    index["identifiers"] = [{"type": IdentifierType.CRN.value, "value": record.crn},
                            *([{"type": IdentifierType.NOMS.value, "value": record.noms}] if record.noms else [])]
    index["stage"] = stage.stage.value
    index.pop("release_date", None)
    if stage.release_date is not None:
        index["release_date"] = stage.release_date.isoformat()
    source = {"type": SourceType.probation_auto_feed.value}
    if record.organisation:
        source["organisation"] = record.organisation
    members = [m.model_dump(mode="json", exclude_none=True) for m in record.family_members]
    if recorded is not None:
        _keep_consent(index, recorded.get("index_person", {}), CONSENT_OF_INDEX)
        known = {m.get("person_ref"): m for m in recorded.get("family_members", [])}
        for member in members:
            _keep_consent(member, known.get(member["person_ref"], {}), CONSENT_OF_MEMBER)
    return HouseholdReferral.model_validate({
        "schema_version": "1",
        "referral_id": str(case_referral_id(record.crn, case_key)),
        "referred_at": referred_at.isoformat(),
        "source": source,
        "index_person": index,
        "family_members": members,
    })


CONSENT_OF_INDEX, CONSENT_OF_MEMBER = "consent_to_contact_family", "consent_to_contact"
DECIDED = {Consent.granted.value, Consent.refused.value}


def _keep_consent(person: dict, recorded: dict, field: str) -> None:
    """A stage event brings the case record as probation holds it, which may not know of a consent
    recorded since in Pathways (or in a caseload row): a decision recorded is not undone by a
    record that has none, and a refusal is withdrawn only where consent is recorded, never by an
    event about something else."""
    held, told = recorded.get(field), person.get(field, Consent.not_asked.value)
    if held == Consent.refused.value or (held in DECIDED and told not in DECIDED):
        person[field] = held
