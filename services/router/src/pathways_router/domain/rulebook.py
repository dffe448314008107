"""The rulebook's shape (validated at load) and its compiled form used by the engine."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .outcomes import Capacity, Outcome

ClauseId = Field(pattern=r"^[A-Z][A-Z0-9]{1,9}-[0-9]{1,3}$")
Mark = Literal["urgent"]
# How a provider hears of its referrals: a signed webhook, an email carrying only a link, the inbox pages.
Channel = Literal["webhook", "email", "inbox"]
DEFAULT_CHANNELS = ("webhook", "inbox")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EligibleFrom(_Strict):
    """For `not_yet`: the date the window opens, as a date fact minus a number of days."""
    date: Literal["index.release_date"]
    minus_days: int | str


class Verdict(_Strict):
    outcome: Outcome
    reason: str = Field(min_length=3)
    eligible_from: EligibleFrom | None = Field(None, alias="from")
    mark: list[Mark] = []

    @model_validator(mode="after")
    def _from_only_for_not_yet(self):
        if (self.outcome == Outcome.not_yet) != (self.eligible_from is not None):
            raise ValueError("'from' is required for outcome not_yet and allowed for no other outcome")
        return self


class Rule(Verdict):
    when: dict[str, Any]


class Clause(_Strict):
    id: str = ClauseId
    title: str
    gate: Literal["consent"] | None = None
    rules: list[Rule] = []
    otherwise: Verdict


class Include(_Strict):
    """Who else a provider referral lists (TMUK-5 carers, SHEL-7 household); no decision of their own."""
    clause: str = ClauseId
    who: Literal["carers_of_subjects", "household"]
    included_as: str = Field(pattern=r"^[a-z_]+$")


class Provider(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: str
    serves: str
    capacity: Capacity
    channels: list[Channel] = Field(default=list(DEFAULT_CHANNELS), min_length=1)
    fields: list[str] = Field(min_length=1)
    params: dict[str, int | bool | list[int] | list[str]] = {}
    clauses: list[Clause] = Field(min_length=1)
    includes: list[Include] = []

    @field_validator("channels")
    @classmethod
    def _channels_once_each(cls, channels: list[str]) -> list[str]:
        repeated = sorted({c for c in channels if channels.count(c) > 1})
        if repeated:
            raise ValueError(f"each channel may be listed once; repeated: {', '.join(repeated)}")
        return channels


class Rulebook(_Strict):
    rulebook: str
    version: str = Field(min_length=1)
    effective_from: date
    policy: str
    sets: dict[str, list[str]] = {}
    labels: dict[str, dict[str, str]] = {}
    providers: list[Provider] = Field(min_length=1)

    def provider(self, provider_id: str) -> Provider:
        return next(p for p in self.providers if p.id == provider_id)
