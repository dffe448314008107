"""The v1 household referral, exactly as the public intake contract defines it.

Unknown fields are rejected and every enum is closed. Cross-field problems (duplicate
person_refs, a carer_ref naming nobody, source fields that do not fit the source type) are
collected and reported together, each with its field path, like ordinary field errors.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator, AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from .. import jsonsafe
from .characters import NoControlCharacters
from .problems import LONDON, Problem, cross_field_errors, household_errors
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
    date_of_birth: date | None = None
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
    release_date: date | None = None
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


class ReferralInvalid(ValueError):
    """Every problem found in a referral document, field errors and cross-field ones together."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


def parse_referral(data: dict | str | bytes) -> HouseholdReferral:
    """Validate a v1 document, reporting every problem at once (pydantic alone stops short of
    cross-field checks when a field is already wrong).

    JSON text (the API, `pathways route`) is held to the contract's JSON types: read leniently, a
    number given as a date was a Unix time, true an age of 1 and "yes" a flag. A dict is read
    leniently, for the caseload feed, which hands over export cells as text and checks their
    spelling itself (pathways_intake.feed.rows)."""
    strict = not isinstance(data, dict)
    if strict:
        try:
            data = jsonsafe.loads(data, unique_names=True)
        except jsonsafe.RepeatedName as exc:
            raise ReferralInvalid([Problem((), "repeated_name", str(exc), None)]) from None
        except ValueError as exc:
            raise ReferralInvalid([Problem((), "invalid_json", f"not valid JSON: {exc}", None)]) from None
    if not isinstance(data, dict):
        raise ReferralInvalid([Problem((), "not_an_object", "a referral must be a JSON object", None)])
    try:
        return _validated(data, strict)
    except ValidationError as exc:
        problems = [Problem(tuple(e["loc"]), e["type"], e["msg"], e.get("input")) for e in exc.errors()]
        known = {(p.loc, p.type) for p in problems}
        problems += [p for p in cross_field_errors(data) if (p.loc, p.type) not in known]
        raise ReferralInvalid(sorted(problems, key=lambda p: p.path)) from None


def _validated(data: dict, json_types: bool) -> HouseholdReferral:
    if json_types:
        try:  # written again from what was read, so any encoding json accepts is read the same
            return HouseholdReferral.model_validate_json(json.dumps(data), strict=True)
        except ValidationError as exc:
            if not any(e["type"] == "json_invalid" for e in exc.errors()):
                raise
            # A lone surrogate (\ud800), which json reads and the strict parser refuses: read
            # leniently, the field holding it is named.
    return HouseholdReferral.model_validate(data)
