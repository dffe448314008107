"""What the providers must receive, and checks of what they did: expected provider referrals come
from the offline engine (the router's own rules, at the router's as-of date), permitted fields
straight from the rulebook's `fields` lists (../shared/domain/POLICY.md §5)."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from pathways_router.adapters.rulebook_yaml import load_rulebook
from pathways_router.service_layer.routing import route
from pathways_shared.contracts.referral_parsing import parse_referral

ROOT = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
PAYLOAD_KEYS = {"provider_referral_id", "referral_id", "provider", "revision", "urgent", "waitlisted", "ages_on",
                "index", "persons"}
SCOPE_OF_ROLE = {"subject": "subject", "carer": "carer", "household_member": "household"}
NEVER_SENT = {"no_contact_with_index", "identifiers"}


@dataclass(frozen=True)
class Expected:
    referral_id: str
    provider: str
    persons: frozenset      # (person_ref, role)


def examples() -> list[tuple[str, dict]]:
    return [(p.stem, json.loads(p.read_text())) for p in sorted((ROOT / "examples").glob("*.json"))]


def london_today() -> date:
    return datetime.now(LONDON).date()


def expected_referrals(doc: dict, today: date) -> dict[str, Expected]:
    """The router decides at max(referral date, today): a not_yet window that opened since the
    referral date is open when it routes."""
    referral = parse_referral(doc)
    as_of = max(referral.referred_at.astimezone(LONDON).date(), today)
    routing = route(referral, rulebook(), as_of, name_people=False)
    return {str(p.provider_referral_id): Expected(str(p.referral_id), p.provider,
                                                  frozenset((c.person_ref, c.role) for c in p.persons))
            for p in routing.provider_referrals}


@cache
def rulebook():
    return load_rulebook()  # compiling it takes a while: once per run


@cache
def permitted_fields() -> dict[str, frozenset[str]]:
    book = yaml.safe_load(files("pathways_router.rulebooks").joinpath("policy-v1.yaml").read_text())
    return {p["id"]: frozenset(p["fields"]) for p in book["providers"]}


def sent_fields(data: dict) -> set[str]:
    """The rulebook names of everything a delivered payload tells the provider about people."""
    found = {f"data.{k}" for k in set(data) - PAYLOAD_KEYS}
    for key in set(data.get("index", {})) - {"person_ref"}:
        offence_flag = key == "offence" and data["index"][key] in ("violent", "non-violent")
        found.add("index.offence.violent" if offence_flag else f"index.{key}")
    for person in data.get("persons", []):
        scope = SCOPE_OF_ROLE.get(person.get("role"), f"<role {person.get('role')}>")
        found |= {f"{scope}.{k}" for k in set(person) - {"person_ref", "role", "index_person"}}
    return found


def unpermitted_fields(provider: str, data: dict) -> list[str]:
    """Every field in a delivered payload that the provider's `fields` list does not allow."""
    found = sorted(sent_fields(data) - permitted_fields()[provider])
    return found + [k for k in _all_keys(data) if k in NEVER_SENT or (provider == "tmuk" and k == "offence")]


def _all_keys(value) -> list[str]:
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in (k, *_all_keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _all_keys(v)]
    return []


def received(providers) -> dict[str, list[str]]:
    """provider_referral_id → the distinct webhook-ids it arrived under (signature verified)."""
    with providers.lock:
        items = list(providers.received.items())
    out = defaultdict(list)
    for webhook_id, payload in items:
        out[payload["data"]["provider_referral_id"]].append(webhook_id)
    return out


def repeats(providers) -> int:
    """Receipts of a webhook-id beyond its first (legitimate after a crash; receivers dedupe)."""
    with providers.lock:
        return sum(count - 1 for count in providers.counts.values())


def delivery_problems(providers, expected: dict[str, Expected], revision: int = 1) -> list[str]:
    """Differences between what the providers received and what the router had to decide."""
    problems = [f"signature rejected at {p}: {why}" for p, why in providers.rejected]
    path_of = {w: p for p, ids in providers.by_provider.items() for w in ids}
    got = received(providers)
    problems += [f"{prid} ({e.provider}) never received" for prid, e in expected.items() if prid not in got]
    for prid, webhook_ids in got.items():
        if prid not in expected:
            problems.append(f"{prid} received but not decided by the router")
            continue
        if len(webhook_ids) > 1:
            problems.append(f"{prid} delivered under {len(webhook_ids)} webhook-ids: {webhook_ids}")
        want = expected[prid]
        for webhook_id in webhook_ids:
            data = providers.received[webhook_id]["data"]
            persons = frozenset((p["person_ref"], p["role"]) for p in data["persons"])
            if data["referral_id"] != want.referral_id or not data["provider"] == path_of[webhook_id] == want.provider:
                problems.append(f"{webhook_id}: sent to {path_of[webhook_id]} as {data['provider']}, want {want}")
            if persons != want.persons or data["revision"] != revision:
                problems.append(f"{webhook_id}: persons {sorted(persons)} revision {data['revision']}, want {want}")
            problems += [f"{webhook_id} ({data['provider']}) carries {f}"
                         for f in unpermitted_fields(data["provider"], data)]
    return problems


def personal_values(docs: list[dict]) -> set[str]:
    """Every clear personal value in the referrals posted: names, dates of birth, contact details,
    CRN/NOMS numbers and the referrer's own name and email."""
    found = set()
    for doc in docs:
        source = doc.get("source", {})
        found |= {source.get(k) for k in ("contact_name", "contact_email")}
        for person in [doc["index_person"], *doc.get("family_members", [])]:
            found |= {person.get("given_name"), person.get("family_name"), person.get("postcode")}
            found |= {i["value"] for i in person.get("identifiers", [])}
            found |= set((person.get("contact") or {}).values())
            found.add(person.get("date_of_birth"))
    # Names of three letters or fewer would match inside ordinary words; none are in the samples.
    return {v for v in found if isinstance(v, str) and len(v) > 3}


def leaks(texts: dict[str, bytes], values: set[str]) -> list[str]:
    """'where: value' for each personal value found in any text (a log, a metrics page, a database)."""
    needles = {v: v.encode() for v in values}
    return sorted(f"{where}: {v}" for where, data in texts.items() for v, n in needles.items() if n in data)
