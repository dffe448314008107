"""How far the posted referrals have got, seen only from outside: the intake's and the ledger's
HTTP APIs and the `pathways` CLI."""
from __future__ import annotations

import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from e2e_support import Expected, received

PATHWAYS = str(Path(sys.executable).parent / "pathways")
SUBMITTED, ROUTED = "pathways.referral.submitted", "pathways.referral.routed"
CONSENT_RECORDED = "pathways.referral.consent-recorded"
RAISED, DELIVERED = "pathways.provider-referral.raised", "pathways.provider-referral.delivered"
DELIVERY_FAILED = "pathways.provider-referral.delivery-failed"


def envelope_prid(entry: dict) -> str | None:
    return entry["payload"].get("additionalInformation", {}).get("provider_referral_id")


def trail_problems(referral_id: str, trail: list[dict], prids: set[str]) -> list[str]:
    types = [e["event_type"] for e in trail]
    problems = [f"{referral_id}: no {t} in the ledger" for t in (SUBMITTED, ROUTED) if t not in types]
    for kind in (RAISED, DELIVERED):
        seen = defaultdict(int)
        for e in trail:
            if e["event_type"] == kind:
                seen[envelope_prid(e)] += 1
        problems += [f"{referral_id}: {kind} for {p} recorded {seen[p]} times" for p in prids if seen[p] != 1]
        problems += [f"{referral_id}: {kind} for undecided {p}" for p in set(seen) - prids]
    return problems


def snapshot(client: httpx.Client, urls: dict, referral_id: str) -> tuple[dict, list]:
    status = client.get(f"{urls['referral-intake']}/v1/referrals/{referral_id}").json()
    response = client.get(f"{urls['ledger']}/v1/referrals/{referral_id}/trail")
    return status, (response.json() if response.status_code == 200 else [])


def settled(status: dict, trail: list, prids: set[str]) -> bool:
    delivered = {p["provider_referral_id"] for p in status.get("provider_referrals", [])
                 if p["delivery"] == "delivered"}
    types = {e["event_type"] for e in trail}
    # The ledger records each topic in order, not the topics relative to each other: a delivery
    # can be recorded before the raising it follows, so both are waited for.
    raised, recorded = ({envelope_prid(e) for e in trail if e["event_type"] == kind} for kind in (RAISED, DELIVERED))
    return (status.get("status") not in (None, "submitted") and prids <= delivered and prids <= raised
            and prids <= recorded and {SUBMITTED, ROUTED} <= types)


def settle(platform, expected: dict[str, Expected], timeout: float, grace: float = 0.0
           ) -> dict[str, tuple[dict, list]]:
    """Wait until every expected provider referral is received, and every posted referral shows it
    delivered in the intake and in the ledger; returns referral_id → (status, trail), read again
    after `grace` seconds so that anything arriving late (a stray or repeated event) is in it."""
    deadline = time.monotonic() + timeout
    wait_until(lambda: set(expected) - set(received(platform.providers)), deadline, "provider referrals received")
    prids = defaultdict(set)
    for prid, e in expected.items():
        prids[e.referral_id].add(prid)
    done: dict[str, tuple[dict, list]] = {}
    # A few requests at once: hundreds of referrals are polled, and the services answer concurrently.
    with httpx.Client(timeout=10, headers=platform.stack.headers()) as client, ThreadPoolExecutor(4) as pool:
        def outstanding():
            pending = sorted(set(platform.ids.values()) - set(done))
            for rid, (status, trail) in zip(pending, pool.map(
                    lambda rid: snapshot(client, platform.stack.urls, rid), pending)):
                if settled(status, trail, prids[rid]):
                    done[rid] = (status, trail)
            return set(platform.ids.values()) - set(done)
        wait_until(outstanding, deadline, "referrals settled in the intake and the ledger")
        if grace:
            time.sleep(grace)
            done.clear()
            wait_until(outstanding, deadline + grace, "referrals still settled after the grace period")
    return done


def until_routed(client: httpx.Client, urls: dict, referral_id: str, revision: int, recorded: dict[str, int],
                 timeout: float) -> tuple[dict, list]:
    """Wait until the intake shows `revision` of the referral routed and the ledger holds at least
    `recorded` (event type → how many) for it; then its (status, trail)."""
    def outstanding():
        status, trail = snapshot(client, urls, referral_id)
        types = [e["event_type"] for e in trail]
        missing = [f"{n - types.count(kind)} × {kind}" for kind, n in recorded.items() if types.count(kind) < n]
        return missing + ([] if status.get("routed_revision") == revision else [f"the intake's routing of {revision}"])
    wait_until(outstanding, time.monotonic() + timeout, f"revision {revision} routed and recorded")
    return snapshot(client, urls, referral_id)


def wait_until(outstanding, deadline: float, what: str, interval: float = 0.3):
    """Poll `outstanding()` (what is still missing) until it is empty or the deadline passes."""
    while missing := outstanding():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {len(missing)} still outstanding, e.g. {sorted(missing)[:5]}")
        time.sleep(interval)


def pathways(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PATHWAYS, *args], capture_output=True, text=True, timeout=60)
