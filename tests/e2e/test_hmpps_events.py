"""HMPPS domain events with every service running: a recall puts POPS into review for the
family; the release that follows makes POPS eligible, and the POPS referral reaches POPS."""
from __future__ import annotations

import time

import httpx
import pytest
from kafka import KafkaProducer

import e2e_progress as progress
from pathways_intake.domain.case_key import case_referral_id
from pathways_intake.hmpps import samples

pytestmark = pytest.mark.e2e

TOPIC = "hmpps.domain-events"  # the intake's default HMPPS_EVENTS_TOPIC
UPDATED = "pathways.referral.updated"
SETTLE_S = 90
RECALL = samples.bare(samples.sample("prisoner-received-recalled-sns-envelope.json"))   # R100006, 2023-08-04
# His release, long after that recall (examples/probation/cases.json still says licence from 2023).
RELEASE = {**samples.bare(samples.sample("prisoner-released-sns-envelope.json")),
           "occurredAt": "2026-11-20T10:00:00Z",
           "additionalInformation": {"nomsNumber": "A0006AA", "reason": "RELEASED"},
           "personReference": {"identifiers": [{"type": "NOMS", "value": "A0006AA"}]}}


def publish(bootstrap: str, event: dict) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    producer.send(TOPIC, samples.one_line(event)).get(timeout=10)
    producer.close()


def test_a_recall_puts_pops_into_review_and_the_release_after_it_sends_the_family_to_pops(launch):
    platform = launch()
    referral_id = str(case_referral_id("R100006", platform.stack.secrets["pseudonym_key"].encode()))

    with httpx.Client(timeout=10, headers=platform.stack.headers()) as client:
        def routed(revision: int, want: dict[str, int]) -> tuple[dict, list]:
            return progress.until_routed(client, platform.stack.urls, referral_id, revision, want, SETTLE_S)

        publish(platform.stack.broker.bootstrap_servers, RECALL)
        recalled, _ = routed(1, {progress.SUBMITTED: 1, progress.ROUTED: 1})
        publish(platform.stack.broker.bootstrap_servers, RELEASE)
        released, trail = routed(2, {progress.SUBMITTED: 1, UPDATED: 1, progress.ROUTED: 2})
        progress.wait_until(lambda: {"pops"} - {p["provider"] for p in delivered(client, platform, referral_id)},
                            time.monotonic() + SETTLE_S, "the POPS referral delivered")

    def pops(status: dict) -> tuple[str, str, str]:
        """p1's POPS decision, and the outcome and reason of its stage clause (POPS-2)."""
        [row] = [d for d in status["decisions"] if (d["person_ref"], d["provider"]) == ("p1", "pops")]
        [stage] = [c for c in row["clauses"] if c["id"] == "POPS-2"]
        return row["decision"], stage["outcome"], stage["reason"]
    assert pops(recalled)[:2] == ("review", "review") and "recalled" in pops(recalled)[2]
    assert pops(released)[:2] == ("eligible", "pass") and "licence" in pops(released)[2]
    [update] = [e["payload"]["additionalInformation"] for e in trail if e["event_type"] == UPDATED]
    assert update["cause"] == "prison-offender-events.prisoner.released"
    assert update["changed_fields"] == ["index_person.release_date", "index_person.stage"]
    reached = {(r["data"]["provider"], r["data"]["referral_id"]) for r in platform.providers.received.values()}
    assert ("pops", referral_id) in reached, "the family reached POPS"


def delivered(client: httpx.Client, platform, referral_id: str) -> list[dict]:
    status = client.get(f"{platform.intake}/v1/referrals/{referral_id}").json()
    return [p for p in status.get("provider_referrals", []) if p["delivery"] == "delivered"]
