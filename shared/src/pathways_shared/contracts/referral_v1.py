"""The v1 household referral, exactly as the public intake contract defines it.

Unknown fields are rejected and every enum is closed. Cross-field problems (duplicate
person_refs, a carer_ref naming nobody, source fields that do not fit the source type) are
collected and reported together, each with its field path, like ordinary field errors
(documents are read by .referral_parsing).
"""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator, AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from .characters import NoControlCharacters
from .dates import IsoDate
from .problems import LONDON, household_errors
from .vocabulary import (
    Consent, IdentifierType, LocalAuthority, Need, Relationship, Sex, SourceType, Stage,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# Kept in clear (not sealed like names and contact details): no control characters (.characters).
PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoControlCharacters()]
Establishment = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=8),
                          NoControlCharacters()]
Organisation = Annotated[Text, NoControlCharacters()]
# A referral namespace for ids derived from content (a fixed, arbitrary UUID).
CONTENT_ID_NAMESPACE = uuid.UUID("6f1d3c52-8a0e-4b7e-9c61-2f7a51d0e9b4")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    type: SourceType
    organisation: Organisation | None = None
    contact_name: Text | None = None
    contact_email: EmailStr | None = None
    provider_id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")] | None = None
    parent_referral_id: uuid.UUID | None = None


class Identifier(Strict):
    type: IdentifierType
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class Contact(Strict):
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    email: EmailStr | None = None
    address: LongText | None = None


class Offence(Strict):
    violent: bool | None = None
    convicted: bool | None = None


class Person(Strict):
    person_ref: PersonRef
    identifiers: list[Identifier] = Field(default_factory=list, max_length=10)
    given_name: Text | None = None
    family_name: Text | None = None
    date_of_birth: IsoDate | None = None
    age_years: Annotated[int, Field(ge=0, le=120)] | None = None
    sex: Sex
    ethnicity: Text | None = None
    local_authority: LocalAuthority
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] | None = None
    needs: list[Need] = Field(default_factory=list, max_length=len(Need))
    contact: Contact | None = None

    @model_validator(mode="after")
    def _age_known(self) -> "Person":
        if self.date_of_birth is None and self.age_years is None:
            raise PydanticCustomError("age_missing", "either date_of_birth or age_years is required")
        return self


class IndexPerson(Person):
    stage: Stage
    release_date: IsoDate | None = None
    establishment: Establishment | None = None
    resettlement_local_authority: LocalAuthority | None = None
    offence: Offence | None = None
    violence_risk: bool | None = None
    past_custody: bool | None = None
    youth_justice_transition: bool | None = None
    consent_to_contact_family: Consent = Consent.not_asked


class FamilyMember(Person):
    relationship: Relationship
    lives_with_index: bool = False
    carer_ref: PersonRef | None = None
    consent_to_contact: Consent = Consent.not_asked
    no_contact_with_index: bool = False


def _has_a_london_day(moment: datetime) -> datetime:
    """The referral day is a London date; a moment too near the ends of the calendar has none."""
    try:
        moment.astimezone(LONDON)
    except OverflowError:
        raise PydanticCustomError("datetime_out_of_range", "out of range: too near the ends of the calendar "
                                  "to have a day in London") from None
    return moment


# When a household was referred (also when a caseload export was made, which is its cases' referral time).
ReferredAt = Annotated[AwareDatetime, AfterValidator(_has_a_london_day)]


class HouseholdReferral(Strict):
    schema_version: Literal["1"]
    referral_id: uuid.UUID | None = None
    referred_at: ReferredAt
    source: Source
    index_person: IndexPerson
    family_members: list[FamilyMember] = Field(default_factory=list, max_length=40)

    @model_validator(mode="after")
    def _consistent(self) -> "HouseholdReferral":
        problems = household_errors(self)
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, [
                InitErrorDetails(type=PydanticCustomError(p.type, p.message), loc=p.loc, input=p.value)
                for p in problems])
        return self

    def persons(self) -> list[Person]:
        return [self.index_person, *self.family_members]

    def effective_id(self) -> uuid.UUID:
        """The referrer's id, or one derived from the content so that re-sending is idempotent."""
        return self.referral_id or content_id(self)


def content_id(referral: HouseholdReferral) -> uuid.UUID:
    canonical = json.dumps(referral.model_dump(mode="json", exclude={"referral_id"}), sort_keys=True,
                           separators=(",", ":"))
    return uuid.uuid5(CONTENT_ID_NAMESPACE, hashlib.sha256(canonical.encode()).hexdigest())
