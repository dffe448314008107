"""The whole pipeline with every service running: intake → router → notifier → providers, and the
ledger recording all of it. What arrives must be exactly what the routing policy decides."""
from __future__ import annotations

import copy
import json
from datetime import date

import httpx
import pytest

import e2e_progress as progress
import e2e_support as support
from e2e_support import examples

pytestmark = pytest.mark.e2e

GENERATED, SEED = 30, 2027
SETTLE_S = 90
GRACE_S = 1.5  # after settling: time for anything not decided (a stray or repeated delivery) to show up
HELD = "05-consent-pending-sefton"


def test_providers_receive_exactly_what_the_router_decides_and_only_permitted_fields(launch):
    from pathways_shared.testing.households import generate_households

    platform = launch()
    docs = examples() + [(f"generated-{i}", d) for i, d in enumerate(generate_households(GENERATED, SEED))]
    platform.post(docs)
    expected = platform.expected()
    assert {e.provider for e in expected.values()} == {"pops", "tmuk", "shelter", "moms", "magistra"}

    done = progress.settle(platform, expected, SETTLE_S, grace=GRACE_S)

    assert support.delivery_problems(platform.providers, expected) == [], platform.logs()
    assert support.repeats(platform.providers) == 0  # no crash here, so no webhook-id is sent twice
    sent = {p: set().union(*(support.sent_fields(platform.providers.received[w]["data"]) for w in ids))
            for p, ids in platform.providers.by_provider.items()}
    # Minimisation must not have emptied the payloads: each provider gets what it needs to act.
    assert {"subject.given_name", "subject.contact", "index.given_name"} <= sent["pops"], sent["pops"]
    assert {"subject.given_name", "subject.age", "carer.given_name", "carer.contact"} <= sent["tmuk"], sent["tmuk"]
    for provider in ("shelter", "moms", "magistra"):
        assert {"index.given_name", "index.stage"} <= sent[provider], sent[provider]
    for label, referral_id in platform.ids.items():
        status, trail = done[referral_id]
        mine = {prid for prid, e in expected.items() if e.referral_id == referral_id}
        assert {p["provider_referral_id"] for p in status["provider_referrals"]} == mine, label
        assert status["status"] == ("delivered" if mine else "routed"), label
        assert progress.trail_problems(referral_id, trail, mine) == [], label
    verify = progress.pathways("ledger", "verify", "--database-url", platform.stack.database_url("ledger"))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    _no_personal_data_outside_the_intake(platform, [d for _, d in docs])


def _no_personal_data_outside_the_intake(platform, docs: list[dict]) -> None:
    """Every log line and metrics page of every service, and every database but the intake's
    protected store, is scanned for the posted names, dates of birth, phones, emails and CRNs."""
    texts = {str(p.relative_to(platform.stack.var)): p.read_bytes() for p in (platform.stack.var / "logs").glob("*")}
    with httpx.Client(timeout=10, headers=platform.stack.headers()) as client:
        texts |= {f"{name} /metrics": client.get(f"{url}/metrics").content for name, url in platform.stack.urls.items()}
    assert len(texts) >= 8, sorted(texts)
    values = support.personal_values(docs)
    assert len(values) > 100  # the scan has something to find, and finds it where it is
    assert len(support.leaks({"posted": json.dumps(docs).encode()}, values)) == len(values)
    assert support.leaks(texts, values) == []
    databases = {p.name: p.read_bytes() for p in platform.stack.var.glob("*.db*") if "intake" not in p.name}
    assert {"router.db", "notifier.db", "ledger.db"} <= set(databases), sorted(databases)
    # Dates of birth too: events carry ages in whole years, so no date of birth reaches the router,
    # the notifier or the ledger (whose events are kept for ever).
    births = {v for v in values if _is_date(v)}
    assert len(births) >= 10, "the scan has dates of birth to look for"
    assert support.leaks(databases, values) == []
    assert support.leaks({"ledger.db": databases["ledger.db"]}, births) == []


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_consent_given_releases_a_held_household_end_to_end(launch):
    platform = launch()
    document = dict(examples())[HELD]
    referral_id = platform.post([(HELD, document)])[HELD]
    assert platform.expected() == {}  # the consent gates hold POPS and TMUK

    (status, _), = progress.settle(platform, {}, SETTLE_S).values()
    held = {(d["person_ref"], d["provider"]) for d in status["decisions"] if d["decision"] == "held"}
    assert {("p1", "pops"), ("c1", "tmuk"), ("c2", "tmuk")} <= held
    assert status["provider_referrals"] == [] and platform.providers.received == {}

    # The index person's consent opens POPS for the partner; the carer's then opens TMUK for one child.
    for person_ref, path in (("ix", ("index_person", "consent_to_contact_family")),
                             ("c1", ("family_members", 1, "consent_to_contact"))):
        response = httpx.patch(f"{platform.intake}/v1/referrals/{referral_id}/consent",
                               json={"person_ref": person_ref, "consent": "granted"}, timeout=10,
                               headers=platform.stack.headers("referrer"))
        assert response.status_code == 202, response.text
        document = _with(document, path, "granted")
        platform.docs[HELD] = document
        progress.settle(platform, platform.expected(), SETTLE_S)

    expected = platform.expected()
    assert sorted(e.provider for e in expected.values()) == ["pops", "tmuk"]
    assert expected[_prid(expected, "tmuk")].persons == {("c1", "subject"), ("p1", "carer")}
    progress.settle(platform, expected, SETTLE_S, grace=GRACE_S)
    assert support.delivery_problems(platform.providers, expected) == [], platform.logs()

    # Each revision is routed and recorded; the routings travel on their own topic, so wait for them.
    with httpx.Client(timeout=10, headers=platform.stack.headers()) as client:
        status, trail = progress.until_routed(client, platform.stack.urls, referral_id, 3,
                                              {progress.CONSENT_RECORDED: 2, progress.ROUTED: 3}, SETTLE_S)
    assert (status["revision"], status["status"]) == (3, "delivered")
    assert progress.trail_problems(referral_id, trail, set(expected)) == []
    types = [e["event_type"] for e in trail]
    assert types.count(progress.CONSENT_RECORDED) == 2 and types.count(progress.ROUTED) == 3
    verify = progress.pathways("ledger", "verify", "--database-url", platform.stack.database_url("ledger"))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _with(document: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def _prid(expected: dict, provider: str) -> str:
    [prid] = [p for p, e in expected.items() if e.provider == provider]
    return prid
