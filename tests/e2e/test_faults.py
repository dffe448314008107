"""Faults the platform must ride out: services killed mid-flow, a flaky provider, a provider down.

Delivery is at least once per webhook-id: a kill between a provider's 2xx and the notifier's
commit can repeat a webhook-id (receivers dedupe on it), but never a provider referral under a
second webhook-id, and never a lost one.
"""
from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

import e2e_progress as progress
import e2e_support as support
from e2e_support import examples

pytestmark = pytest.mark.e2e

CRASH_HOUSEHOLDS, CRASH_SEED = 500, 11
GRACE_S = 1.5
# A short webhook timeout keeps the notifier's lease (2 × timeout + 10 s) on rows it held when
# killed short, so recovery is quick; the lease is what brings those rows back.
FAST_RETRIES = {"BACKOFF_BASE_S": "0.05", "BACKOFF_CAP_S": "0.3", "WEBHOOK_TIMEOUT_S": "2"}


def test_killing_the_router_and_the_notifier_mid_flow_loses_and_duplicates_nothing(launch, record_property):
    from pathways_shared.testing.households import generate_households

    platform = launch(env=FAST_RETRIES)
    docs = [(f"generated-{i}", d) for i, d in enumerate(generate_households(CRASH_HOUSEHOLDS, CRASH_SEED))]
    posting_failed: list[BaseException] = []

    def post():
        try:
            platform.post(docs)
        except BaseException as exc:  # surfaced in the test thread below
            posting_failed.append(exc)

    poster = threading.Thread(target=post, name="post-households")
    poster.start()
    try:
        progress.wait_until(lambda: len(platform.providers.received) < 20 and ["first 20 deliveries"],
                            time.monotonic() + 90, "deliveries flowing")
        platform.stack.kill("router")
        time.sleep(1.0)
        platform.stack.kill("notifier")
        time.sleep(2.0)
        for name in ("router", "notifier"):
            platform.stack.start_service(name)
        platform.stack.wait_ready()
    finally:
        poster.join()
    assert not posting_failed, posting_failed
    expected = platform.expected()
    assert len(expected) > 100

    done = progress.settle(platform, expected, timeout=240, grace=GRACE_S)

    # Reported at the end of the run (conftest): how often the crash window was actually hit.
    record_property("e2e_report", f"{len(expected)} provider referrals after kill -9 of router and notifier; "
                                  f"{support.repeats(platform.providers)} webhook-id(s) received again")
    assert support.delivery_problems(platform.providers, expected) == [], platform.logs()
    delivered_events = [e for _, trail in done.values() for e in trail if e["event_type"] == progress.DELIVERED]
    assert len(delivered_events) == len(support.received(platform.providers)) == len(expected)
    for referral_id, (_, trail) in done.items():
        mine = {p for p, e in expected.items() if e.referral_id == referral_id}
        assert progress.trail_problems(referral_id, trail, mine) == [], platform.logs()
    verify = progress.pathways("ledger", "verify", "--database-url", platform.stack.database_url("ledger"))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_provider_failing_half_the_time_still_receives_everything(launch):
    from pathways_shared.testing.households import generate_households

    platform = launch(fail_rate=0.5, env=FAST_RETRIES | {"MAX_ATTEMPTS": "30"})
    platform.post(examples() + [(f"generated-{i}", d) for i, d in enumerate(generate_households(20, 5))])
    expected = platform.expected()

    done = progress.settle(platform, expected, timeout=90, grace=GRACE_S)

    assert support.delivery_problems(platform.providers, expected) == [], platform.logs()
    assert support.repeats(platform.providers) == 0  # a refused attempt is retried, never double-counted
    attempts = [p["attempts"] for status, _ in done.values() for p in status["provider_referrals"]]
    assert len(attempts) == len(expected) and sum(attempts) > len(attempts), attempts  # retries happened
    assert httpx.get(f"{platform.stack.urls['notifier']}/v1/deliveries", params={"status": "dead"},
                     headers=platform.stack.headers()).json() == []


def test_a_provider_down_is_dead_lettered_then_replayed_once_it_is_back(launch):
    platform = launch(down={"tmuk"}, env=FAST_RETRIES | {"MAX_ATTEMPTS": "3"})
    notifier = platform.stack.urls["notifier"]
    platform.post(examples())
    expected = platform.expected()
    tmuk = {p for p, e in expected.items() if e.provider == "tmuk"}
    others = {p: e for p, e in expected.items() if p not in tmuk}
    assert len(tmuk) >= 2 and others

    def dead():
        return {d["provider_referral_id"]: d for d in
                httpx.get(f"{notifier}/v1/deliveries", params={"status": "dead"}, timeout=10,
                          headers=platform.stack.headers()).json()}

    deadline = time.monotonic() + 60
    progress.wait_until(lambda: tmuk - set(dead()), deadline, "TMUK deliveries dead-lettered")
    progress.settle(platform, others, timeout=60)
    with httpx.Client(timeout=10, headers=platform.stack.headers()) as client:
        def not_failed_yet():
            return {p for p in tmuk if not _failed_everywhere(client, platform, expected[p].referral_id, p)}
        progress.wait_until(not_failed_yet, deadline, "dead letters visible in the intake and the ledger")
    assert set(dead()) == tmuk and all(d["attempts"] == 3 for d in dead().values())
    assert platform.providers.by_provider.get("tmuk", []) == []

    platform.providers.down.clear()
    first, *rest = sorted(d["webhook_id"] for d in dead().values())
    assert httpx.post(f"{notifier}/v1/deliveries/{first}/replay", timeout=10,
                      headers=platform.stack.headers()).status_code == 200
    replay = progress.pathways("deliveries", "replay", "--all-dead",
                               "--database-url", platform.stack.database_url("notifier"))
    assert replay.returncode == 0, replay.stderr
    # The one replayed over HTTP is pending or delivered by now: --all-dead takes exactly the rest.
    assert {json.loads(line)["webhook_id"] for line in replay.stdout.splitlines()} == set(rest)

    done = progress.settle(platform, expected, timeout=60, grace=GRACE_S)
    assert support.delivery_problems(platform.providers, expected) == [], platform.logs()
    assert dead() == {}
    for prid in tmuk:
        status, trail = done[expected[prid].referral_id]
        assert status["status"] == "delivered"
        mine = [e for e in trail if progress.envelope_prid(e) == prid]
        in_time = [e["event_type"] for e in sorted(mine, key=lambda e: e["occurred_at"])]
        assert in_time == [progress.RAISED, progress.DELIVERY_FAILED, progress.DELIVERED], in_time
        # Failure and delivery share a topic, so the ledger also records them in that order.
        seq = {e["event_type"]: e["seq"] for e in mine}
        assert seq[progress.DELIVERY_FAILED] < seq[progress.DELIVERED]
    verify = progress.pathways("ledger", "verify", "--database-url", platform.stack.database_url("ledger"))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _failed_everywhere(client: httpx.Client, platform, referral_id: str, prid: str) -> bool:
    status, trail = progress.snapshot(client, platform.stack.urls, referral_id)
    failed_in_intake = any(p["provider_referral_id"] == prid and p["delivery"] == "failed"
                           for p in status.get("provider_referrals", []))
    in_ledger = any(e["event_type"] == progress.DELIVERY_FAILED and progress.envelope_prid(e) == prid for e in trail)
    return failed_in_intake and in_ledger and status["status"] == "delivery_failed"
