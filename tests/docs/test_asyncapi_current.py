"""The committed AsyncAPI documents are the ones the code generates today, and they say what
each service consumes and publishes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "asyncapi"
COMMAND = "python -m pathways_shared.asyncapi"

# Which topics each service reads and which it publishes (through its outbox), by design.
EXPECTED = {
    "referral-intake": ({"decisions", "provider-referrals", "deliveries", "provider-activity", "hmpps.domain-events"},
                        {"referrals"}),
    "router": ({"referrals", "provider-activity"}, {"decisions", "provider-referrals", "provider-activity"}),
    "notifier": ({"provider-referrals"}, {"deliveries", "provider-activity"}),
    "ledger": ({"referrals", "decisions", "provider-referrals", "deliveries", "provider-activity"}, set()),
}


def test_the_committed_documents_are_current():
    # A process of its own: the generator imports the services' process modules with a fixed environment.
    check = subprocess.run([sys.executable, "-m", "pathways_shared.asyncapi", "--check", "--out", str(DOCS)],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert check.returncode == 0, (
        f"docs/asyncapi is out of date; regenerate it from the repository root with `{COMMAND}`\n{check.stderr}")


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_each_document_names_what_the_service_consumes_and_publishes(service):
    spec = yaml.safe_load((DOCS / f"{service}.yaml").read_text("utf-8"))
    assert spec["asyncapi"].startswith("3.")
    actions: dict[str, set[str]] = {"receive": set(), "send": set()}
    for operation in spec["operations"].values():
        channel = spec["channels"][operation["channel"]["$ref"].rsplit("/", 1)[-1]]
        actions[operation["action"]].add(channel["address"].removeprefix("pathways."))
    assert (actions["receive"], actions["send"]) == EXPECTED[service]


def test_published_events_are_described_by_the_event_envelope():
    spec = yaml.safe_load((DOCS / "router.yaml").read_text("utf-8"))
    # What the router sends; what it receives it decodes a batch of records at a time, itself.
    sent = [_resolve(spec, m) for op in spec["operations"].values() if op["action"] == "send" for m in op["messages"]]
    assert len(sent) == 3
    payloads = {message["payload"]["$ref"] for message in sent}
    assert payloads == {"#/components/schemas/DomainEvent"}
    assert {"eventId", "eventType", "referralId"} <= set(spec["components"]["schemas"]["DomainEvent"]["required"])


def _resolve(spec: dict, node: dict) -> dict:
    """Follow local $refs ('#/channels/…/messages/Message') to the object they name."""
    while "$ref" in node:
        path, node = node["$ref"].removeprefix("#/").split("/"), spec
        for part in path:
            node = node[part]
    return node
