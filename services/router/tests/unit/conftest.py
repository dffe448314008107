"""Router unit-test support: a household referral builder with plain defaults, and rulebook variants.

The builder starts from an index person every index-person provider could take (22, male, on
licence 30 days, Liverpool, violent, housing need, consent granted) so a test changes only the
fact it is about. Dates are computed from `Household.DAY`, the default referral date (GMT, so the
UTC and Europe/London calendar dates agree).
"""
from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from functools import lru_cache
from importlib.resources import files

import pytest
import yaml
from sqlalchemy import JSON, Column, Date, MetaData, String, Table, Uuid

from pathways_router.adapters.rulebook_yaml import load_rulebook, parse_rulebook
from pathways_router.domain.compiled import ClauseResult, CompiledRulebook
from pathways_router.domain.engine import PersonDecision
from pathways_router.domain.grouping import Routing
from pathways_router.service_layer.routing import route
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.referral_v1 import HouseholdReferral

PROVIDERS = ("pops", "tmuk", "shelter", "moms", "magistra")

# For the bulk writer's tests: shaped as a household's decisions once were (a composite key, a
# nullable date beside a required one, a JSON column), the cases it converts a column at a time.
DATED = Table(
    "dated", MetaData(),
    Column("referral_id", Uuid, primary_key=True),
    Column("person_ref", String(64), primary_key=True),
    Column("provider", String(32), primary_key=True),
    Column("decision", String(16), nullable=False),
    Column("eligible_from", Date),
    Column("clauses", JSON, nullable=False),
    Column("rulebook_version", String(32), nullable=False),
    Column("as_of", Date, nullable=False),
)


@lru_cache(maxsize=1)
def packaged_book() -> CompiledRulebook:
    return load_rulebook()


def packaged_text() -> str:
    return (files("pathways_router.rulebooks") / "policy-v1.yaml").read_text(encoding="utf-8")


def _apply(person: dict, fields: dict) -> None:
    """Set fields; None removes one; an age given one way replaces the other."""
    for key, value in fields.items():
        if key == "date_of_birth":
            person.pop("age_years", None)
        if key == "age_years":
            person.pop("date_of_birth", None)
        if value is None:
            person.pop(key, None)
        else:
            person[key] = value.isoformat() if isinstance(value, date) else value


class Household:
    DAY = date(2026, 11, 2)
    REFERRED_AT = "2026-11-02T10:00:00Z"

    def __init__(self, referred_at: str | None = None, **index):
        self.doc = {
            "schema_version": "1",
            "referred_at": referred_at or self.REFERRED_AT,
            "source": {"type": "probation_practitioner", "organisation": "Probation Service North West"},
            "index_person": {
                "person_ref": "ix", "identifiers": [{"type": "CRN", "value": "X000001"}],
                "given_name": "Jordan", "age_years": 22, "sex": "male", "local_authority": "liverpool",
                "stage": "licence", "release_date": (self.DAY - timedelta(days=30)).isoformat(),
                "establishment": "LPI", "offence": {"violent": True, "convicted": True}, "violence_risk": True,
                "consent_to_contact_family": "granted", "needs": ["housing"],
            },
            "family_members": [],
        }
        self.index(**index)

    @classmethod
    def days(cls, n: int) -> date:
        """The default referral date plus n days (negative: before it)."""
        return cls.DAY + timedelta(days=n)

    def index(self, **fields) -> "Household":
        _apply(self.doc["index_person"], fields)
        return self

    def custody(self, days_to_release: int | None, establishment: str = "LPI", **fields) -> "Household":
        release = None if days_to_release is None else self.days(days_to_release)
        return self.index(stage="custody", release_date=release, establishment=establishment, **fields)

    def member(self, ref: str, relationship: str = "partner", **fields) -> "Household":
        person = {"person_ref": ref, "relationship": relationship, "age_years": 40, "sex": "female",
                  "local_authority": "liverpool", "consent_to_contact": "granted"}
        _apply(person, fields)
        self.doc["family_members"].append(person)
        return self

    def child(self, ref: str, age: int, relationship: str = "child", **fields) -> "Household":
        return self.member(ref, relationship, age_years=age, **fields)

    def referral(self) -> HouseholdReferral:
        return parse_referral(copy.deepcopy(self.doc))

    def route(self, book: CompiledRulebook | None = None, as_of: date | None = None) -> Routing:
        return route(self.referral(), book or packaged_book(), as_of)

    def decide(self, person_ref: str, provider: str, book: CompiledRulebook | None = None,
               as_of: date | None = None) -> PersonDecision:
        return decision_of(self.route(book, as_of), person_ref, provider)


def decision_of(routing: Routing, person_ref: str, provider: str) -> PersonDecision:
    found = [d for d in routing.decisions if d.person_ref == person_ref and d.provider == provider]
    assert len(found) == 1, f"expected one decision for {person_ref} × {provider}, got {len(found)}"
    return found[0]


def clause_of(decision: PersonDecision, clause_id: str) -> ClauseResult:
    found = [c for c in decision.clauses if c.id == clause_id]
    assert len(found) == 1, f"{decision.provider} has no single clause {clause_id}: {[c.id for c in decision.clauses]}"
    return found[0]


def rulebook_with(provider: str, *, capacity: str | None = None, **params) -> CompiledRulebook:
    """The packaged rulebook with one provider's capacity or parameters changed, as a commissioner would."""
    return _variant(json.dumps([provider, capacity, params], sort_keys=True))


@lru_cache(maxsize=64)
def _variant(key: str) -> CompiledRulebook:  # compiled rulebooks are immutable, so variants are shared
    provider, capacity, params = json.loads(key)
    data = yaml.safe_load(packaged_text())
    entry = next(p for p in data["providers"] if p["id"] == provider)
    if capacity is not None:
        entry["capacity"] = capacity
    entry["params"].update(params)
    return parse_rulebook(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), f"<{provider} variant>")


@pytest.fixture
def household():
    return Household


@pytest.fixture
def book() -> CompiledRulebook:
    return packaged_book()


@pytest.fixture
def clause():
    return clause_of


@pytest.fixture
def decision():
    return decision_of


@pytest.fixture
def variant():
    return rulebook_with


@pytest.fixture
def rulebook_text() -> str:
    return packaged_text()
