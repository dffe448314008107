"""The providers' part of the demo: a referral travelling Magistra → POPS → TMUK by onward
referrals, each provider working it through the notifier's provider API with its own token; a
duplicate presentation; a capacity change releasing a held stretch referral; the chain as the
ledger traces it."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from stack import Stack

HOUSEHOLD = "07-approved-premises-liverpool"   # the index person is in approved premises: Magistra's
PATHWAYS = str(Path(sys.executable).parent / "pathways")


def today() -> str:
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


class Desk:
    """The APIs as each party uses them: notifier (providers), router (onward, capacity), ledger."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.http = httpx.Client(timeout=30)

    def call(self, method: str, service: str, path: str, who: str, body=None, expect=(200, 201)) -> httpx.Response:
        response = self.http.request(method, f"{self.stack.urls[service]}{path}", json=body,
                                     headers=self.stack.headers(who))
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {service}{path} as {who}: {response.status_code} {response.text[:300]}")
        return response

    def act(self, provider: str, prid: str, action: str, body: dict) -> dict:
        """A provider's change to its referral: status or first contact."""
        return self.call("POST", "notifier", f"/v1/provider-referrals/{prid}/{action}", provider, body).json()

    def onward(self, provider: str, parent: str, to: str, persons: list[str], reason: str, expect=(201,)):
        body = {"provider": to, "person_refs": persons, "reason": reason}
        path = f"/v1/provider-referrals/{parent}/onward-referrals"
        deadline = time.monotonic() + 30
        # A 409 duplicate may only mean the router has not yet read the earlier referral's closing.
        while (response := self.call("POST", "router", path, provider, body, (*expect, 409))).status_code == 409 \
                and 409 not in expect and time.monotonic() < deadline:
            time.sleep(0.5)
        if response.status_code not in expect:
            raise RuntimeError(f"POST router{path} as {provider}: {response.status_code} {response.text[:300]}")
        return response

    def wait_delivered(self, provider: str, prid: str, timeout: float = 60) -> dict:
        """Until the notifier has delivered it and opened it for the provider."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.call("GET", "notifier", f"/v1/provider-referrals/{prid}", provider, expect=(200, 404))
            if response.status_code == 200:
                return response.json()
            time.sleep(0.3)
        raise RuntimeError(f"{provider} referral {prid} not delivered after {timeout:.0f}s")

    def wait_traced(self, prid: str, statuses: list[str], timeout: float = 60) -> dict:
        """Until the ledger's trace of `prid` shows the chain with these latest statuses."""
        deadline, chain = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            response = self.call("GET", "ledger", f"/v1/pathways/{prid}", "commissioner", expect=(200, 404))
            if response.status_code == 200:
                chain = next((c for c in response.json()["chains"] if c["steps"][-1]["provider_referral_id"] == prid),
                             None)
                if chain and [s["status"] for s in chain["steps"]] == statuses:
                    return chain
            time.sleep(0.3)
        raise RuntimeError(f"the ledger's trace of {prid} is {chain and chain['path']}, not yet {statuses}")


def close_direct_referrals(desk: Desk, status: dict) -> dict[str, str]:
    """POPS and TMUK cannot reach the family: nobody had told them of the referral (a documented
    failure, POLICY.md §6). Done early, so the router knows they are closed well before Magistra
    refers the family on."""
    ids = {p["provider"]: p["provider_referral_id"] for p in status["provider_referrals"]}
    for provider in ("pops", "tmuk"):
        desk.wait_delivered(provider, ids[provider])
        desk.act(provider, ids[provider], "status", {"status": "rejected", "reason": "client_not_told"})
    for provider in ("pops", "tmuk"):  # recorded means published: the router reads the same topic
        desk.wait_traced(ids[provider], ["rejected"])
    print(f"\nHousehold {HOUSEHOLD}: POPS and TMUK reject their referrals, client_not_told "
          "(the family had not been told of them).")
    return ids


def onward_chain(desk: Desk, ids: dict[str, str]) -> str:
    """Magistra → POPS (the grandmother, g1) → TMUK (the sister, s1, with g1 as her carer)."""
    on = today()
    magistra = ids["magistra"]
    desk.wait_delivered("magistra", magistra)
    for status in ("accepted", "in-progress"):
        desk.act("magistra", magistra, "status", {"status": status})
    desk.act("magistra", magistra, "first-contact", {"contacted_on": on, "method": "in_person"})
    print(f"  magistra  accepted, in-progress, first contact {on} (in person, at the approved premises)")
    pops = desk.onward("magistra", magistra, "pops", ["g1"], "family_support").json()
    print(f"  magistra  → pops: g1 referred onward (family_support): provider referral {pops['provider_referral_id']}")
    desk.wait_delivered("pops", pops["provider_referral_id"])
    desk.act("pops", pops["provider_referral_id"], "status", {"status": "accepted"})
    desk.act("pops", pops["provider_referral_id"], "first-contact", {"contacted_on": on, "method": "phone"})
    print(f"  pops      delivered (signed webhook), accepted, first contact {on} (phone)")
    tmuk = desk.onward("pops", pops["provider_referral_id"], "tmuk", ["s1"], "child_support").json()
    covered = ", ".join(f"{p['person_ref']} {p['role']}" for p in tmuk["persons"])
    print(f"  pops      → tmuk: s1 referred onward (child_support), covering {covered}: "
          f"provider referral {tmuk['provider_referral_id']}")
    desk.wait_delivered("tmuk", tmuk["provider_referral_id"])
    desk.act("tmuk", tmuk["provider_referral_id"], "status", {"status": "accepted"})
    print("  tmuk      delivered, accepted")
    again = desk.onward("pops", pops["provider_referral_id"], "tmuk", ["s1"], "child_support", expect=(409,)).json()
    print(f"  pops      → tmuk again: refused 409, {again['problems'][0]['message']}")
    return tmuk["provider_referral_id"]


def show_trace(desk: Desk, tmuk: str) -> bool:
    desk.wait_traced(tmuk, ["in-progress", "accepted", "accepted"])
    print(f"\nThe pathway as the ledger traces it (pathways trace {tmuk}):")
    traced = subprocess.run([PATHWAYS, "trace", tmuk, "--database-url", desk.stack.database_url("ledger")],
                            capture_output=True, text=True)
    print(traced.stdout.rstrip() or traced.stderr.rstrip())
    return traced.returncode == 0 and "magistra → pops → tmuk" in traced.stdout


def capacity_change(desk: Desk, post) -> bool:
    """Shelter declares no capacity; a stretch decision (a 30-year-old) waits; capacity back
    releases it."""
    down = desk.call("PUT", "router", "/v1/providers/shelter/capacity", "shelter", {"capacity": "no_capacity"}).json()
    print(f"\nShelter sets its capacity {down['previous']} → {down['capacity']}.")
    referral_id = post(stretch_household())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = desk.call("GET", "referral-intake", f"/v1/referrals/{referral_id}", "referrer").json()
        if status["status"] != "submitted":
            break
        time.sleep(0.3)
    decided = [d["decision"] for d in status["decisions"] if d["provider"] == "shelter" and d["person_ref"] == "ix"]
    held = not any(p["provider"] == "shelter" for p in status["provider_referrals"])
    print(f"  a household whose index person is 30 is routed: Shelter {decided[0] if decided else '?'}, "
          f"{'held for capacity' if held else 'raised'}")
    up = desk.call("PUT", "router", "/v1/providers/shelter/capacity", "shelter", {"capacity": "has_capacity"}).json()
    print(f"  Shelter sets its capacity {up['previous']} → {up['capacity']}: released {len(up['released'])} "
          f"held referral(s) {', '.join(up['released'])}")
    for prid in up["released"]:
        desk.wait_delivered("shelter", prid)
    print("  … delivered to Shelter")
    return held and len(up["released"]) >= 1


def stretch_household() -> dict:
    """Shelter's core age range is 18–25; 26–35 is stretch (SHEL-2)."""
    return {
        "schema_version": "1", "referred_at": datetime.now(ZoneInfo("UTC")).isoformat(timespec="seconds"),
        "source": {"type": "probation_practitioner", "organisation": "Demo probation team"},
        "index_person": {
            "person_ref": "ix", "given_name": "Demo", "family_name": "Stretch", "age_years": 30, "sex": "male",
            "local_authority": "sefton", "stage": "licence", "release_date": (datetime.now(ZoneInfo("UTC")).date() - timedelta(days=30)).isoformat(),
            "offence": {"violent": True, "convicted": True}, "violence_risk": True,
            "consent_to_contact_family": "granted", "needs": ["homelessness_risk"]},
        "family_members": []}
