"""The probation auto-feed in the demo: a caseload export through the intake's API, then a handful
of HMPPS domain events on their topic; shows the summary, the quarantined rows and the referrals."""
from __future__ import annotations

import time

import httpx
from kafka import KafkaProducer

from pathways_intake.domain.case_key import case_referral_id
from pathways_intake.hmpps import samples
from stack import ROOT, Stack

HMPPS_TOPIC = "hmpps.domain-events"  # the intake's default HMPPS_EVENTS_TOPIC


def feed_caseload(client: httpx.Client) -> dict:
    export = ROOT / "examples" / "probation" / "caseload-example.csv"
    with export.open("rb") as handle:
        response = client.post("/v1/probation/caseload", files={"file": (export.name, handle, "text/csv")},
                               data={"organisation": "Probation Service North West"})
    if response.status_code != 200:
        raise RuntimeError(f"caseload export refused: {response.status_code} {response.text[:300]}")
    summary = response.json()
    print(f"\nCaseload export {export.name}: rows read {summary['rows_read']} = created {summary['created']}"
          f" + updated {summary['updated']} + unchanged {summary['unchanged']} + rejected {summary['rejected']}")
    for rejection in summary.get("rejections", []):
        reasons = "; ".join(f"{p.get('field')}: {p.get('reason')}" for p in rejection.get("problems", []))
        print(f"  quarantined line {rejection.get('line')}: {reasons}")
    return summary


def publish_events(bootstrap: str) -> list[tuple[str, str]]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    published = []
    for name, crn in samples.ACTED_ON_SAMPLES.items():
        producer.send(HMPPS_TOPIC, samples.one_line(samples.sample(name))).get(timeout=10)
        published.append((samples.bare(samples.sample(name))["eventType"], crn))
    producer.send(HMPPS_TOPIC, samples.one_line(samples.sample(samples.NOT_ACTED_ON_SAMPLE))).get(timeout=10)
    producer.close()
    return published


def show_event_referrals(client: httpx.Client, published, case_key: bytes, timeout: float = 60) -> bool:
    print(f"\nHMPPS domain events published to {HMPPS_TOPIC}: {len(published)} stage changes and one type "
          "the feed does not act on (logged and skipped)")
    ok, deadline = True, time.monotonic() + timeout
    for event_type, crn in published:
        referral_id = case_referral_id(crn, case_key)
        status = None
        while time.monotonic() < deadline:
            response = client.get(f"/v1/referrals/{referral_id}")
            if response.status_code == 200 and response.json()["status"] != "submitted":
                status = response.json()
                break
            time.sleep(0.5)
        if status is None:
            print(f"  {event_type:<55} no referral routed in time")
            ok = False
            continue
        providers = ", ".join(f"{p['provider']} ({p['delivery']})" for p in status["provider_referrals"]) or "none yet"
        print(f"  {event_type:<55} → referral {str(referral_id)[:8]}… {status['status']}: {providers}")
    return ok


def run(stack: Stack) -> bool:
    with httpx.Client(base_url=stack.urls["referral-intake"], timeout=30, headers=stack.headers()) as client:
        summary = feed_caseload(client)
        published = publish_events(stack.broker.bootstrap_servers)
        ok = show_event_referrals(client, published, stack.secrets["pseudonym_key"].encode())
    return ok and summary["rows_read"] == summary["created"] + summary["updated"] + summary["unchanged"] + summary["rejected"]
