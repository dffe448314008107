"""`make demo`: the whole product on one laptop.

Starts the embedded broker and the four services as processes, plus a stand-in endpoint for each
of the five providers that verifies signatures; posts the example referrals and 50 generated
households; waits until every provider referral is delivered and in the ledger; prints the table;
runs the probation auto-feed; has the providers work one household's referrals through their API,
Magistra → POPS → TMUK by onward referrals, and prints the chain as the ledger traces it; shows a
capacity change; writes the monthly report; prints the ledger verification; stops everything.
Exits non-zero if anything failed.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import demo_pathway  # noqa: E402
import demo_probation  # noqa: E402
import demo_report  # noqa: E402
from demo_providers import DemoProviders  # noqa: E402
from stack import ROOT, Stack  # noqa: E402

from pathways_router.adapters.rulebook_yaml import load_rulebook  # noqa: E402
from pathways_router.entrypoints.explain import explain_text  # noqa: E402
from pathways_router.service_layer.routing import route  # noqa: E402
from pathways_shared.contracts.referral_parsing import parse_referral  # noqa: E402
from pathways_shared.testing.households import generate_households  # noqa: E402

GENERATED, SEED, TIMEOUT_S = 50, 2026, 180


def household_documents() -> list[tuple[str, dict]]:
    docs = [(p.stem, json.loads(p.read_text())) for p in sorted((ROOT / "examples").glob("*.json"))]
    return docs + [(f"generated-{i + 1:02d}", d) for i, d in enumerate(generate_households(GENERATED, SEED))]


def post_all(intake: str, docs, headers: dict) -> dict[str, str]:
    """Post each document with `headers` (a referrer's token, Stack.headers)."""
    ids = {}
    with httpx.Client(base_url=intake, timeout=10, headers=headers) as client:
        for label, doc in docs:
            response = client.post("/v1/referrals", json=doc)
            if response.status_code not in (200, 202):
                raise RuntimeError(f"{label}: intake answered {response.status_code}: {response.text[:300]}")
            ids[label] = response.json()["referral_id"]
    return ids


def settled(status: dict, trail: list[dict]) -> bool:
    if status["status"] == "submitted":
        return False
    raised = {p["provider_referral_id"] for p in status["provider_referrals"]}
    in_ledger = {e["payload"]["additionalInformation"]["provider_referral_id"] for e in trail
                 if e["event_type"] == "pathways.provider-referral.delivered"}
    return status["status"] in ("delivered", "routed") and raised <= in_ledger


def wait_for_everything(stack: Stack, ids: dict[str, str]) -> dict[str, tuple[dict, list]]:
    deadline, done = time.monotonic() + TIMEOUT_S, {}
    with httpx.Client(timeout=10, headers=stack.headers()) as client:
        while len(done) < len(ids) and time.monotonic() < deadline:
            for label, rid in ids.items():
                if label in done:
                    continue
                status = client.get(f"{stack.urls['referral-intake']}/v1/referrals/{rid}").json()
                trail_response = client.get(f"{stack.urls['ledger']}/v1/referrals/{rid}/trail")
                trail = trail_response.json() if trail_response.status_code == 200 else []
                if status["status"] == "delivery_failed":
                    raise RuntimeError(f"{label}: a delivery was dead-lettered")
                if settled(status, trail):
                    done[label] = (status, trail)
            time.sleep(0.5)
    missing = sorted(set(ids) - set(done))
    if missing:
        raise RuntimeError(f"not settled after {TIMEOUT_S}s: {', '.join(missing[:10])}")
    return {label: done[label] for label in ids}  # in the order they were posted


def print_table(done: dict[str, tuple[dict, list]], providers: DemoProviders) -> int:
    print(f"\n{'household':<34} {'provider':<9} {'persons (decision)':<44} delivery")
    rows = 0
    for label, (status, trail) in done.items():
        decided = {(d["person_ref"], d["provider"]): d["decision"] for d in status["decisions"]}
        for p in status["provider_referrals"]:
            raised = [e["payload"]["additionalInformation"] for e in trail
                      if e["event_type"] == "pathways.provider-referral.raised"
                      and e["payload"]["additionalInformation"]["provider_referral_id"] == p["provider_referral_id"]]
            persons = raised[-1]["persons"] if raised else []
            who = ", ".join(f"{x['person_ref']} {x['role'] if x['role'] != 'subject' else decided.get((x['person_ref'], p['provider']), '?')}"
                            for x in persons)
            print(f"{label[:34]:<34} {p['provider']:<9} {who[:44]:<44} {p['delivery']} ({p['attempts']} attempt(s))")
            rows += 1
        if not status["provider_referrals"]:
            print(f"{label[:34]:<34} {'—':<9} {'no provider referral yet (held, not yet, review or none)':<44} —")
    return rows


def main() -> int:
    docs = household_documents()
    first = parse_referral(docs[0][1])
    print("How one referral is decided (offline, the same engine the router runs):\n")
    print(explain_text(first, route(first, load_rulebook())))
    stack = Stack()
    providers = DemoProviders(stack.provider_secrets).start()
    try:
        print("\nStarting the embedded stack (broker, referral-intake, router, notifier, ledger)…")
        stack.start(providers.endpoints)
        for name, url in stack.urls.items():
            print(f"  {name:<16} {url}")
        ids = post_all(stack.urls["referral-intake"], docs, stack.headers("referrer"))
        print(f"\nPosted {len(ids)} household referrals ({len(docs) - GENERATED} examples, {GENERATED} generated).")
        done = wait_for_everything(stack, ids)
        rows = print_table(done, providers)
        received = sum(len(v) for v in providers.by_provider.values())
        duplicates = sum(c - 1 for c in providers.counts.values())
        print(f"\n{rows} provider referrals raised; the providers received {received} "
              f"(signatures verified, {len(providers.rejected)} rejected, {duplicates} repeated).")
        desk = demo_pathway.Desk(stack)
        direct = demo_pathway.close_direct_referrals(desk, done[demo_pathway.HOUSEHOLD][0])
        print("\nThe probation auto-feed: no one has to remember to refer.")
        fed = demo_probation.run(stack)
        print(f"\nProviders at work: {demo_pathway.HOUSEHOLD} travels Magistra → POPS → TMUK by onward referrals.")
        traced = demo_pathway.show_trace(desk, demo_pathway.onward_chain(desk, direct))
        released = demo_pathway.capacity_change(
            desk, lambda doc: next(iter(post_all(stack.urls["referral-intake"], [("stretch", doc)],
                                                 stack.headers("referrer")).values())))
        reported = demo_report.run(stack)
        verify = subprocess.run([str(Path(sys.executable).parent / "pathways"), "ledger", "verify",
                                 "--database-url", stack.database_url("ledger")], capture_output=True, text=True)
        print(f"\nLedger verification: {(verify.stdout or verify.stderr).strip()}")
        ok = (verify.returncode == 0 and not providers.rejected and fed and traced and released and reported
              and received == rows)
        print("\nDemo finished: " + ("everything delivered and recorded." if ok else "FAILED."))
        return 0 if ok else 1
    except Exception as exc:
        print(f"\nDemo FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        providers.stop()


if __name__ == "__main__":
    sys.exit(main())
