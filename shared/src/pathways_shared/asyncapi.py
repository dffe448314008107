"""The AsyncAPI documents of the services, generated from their FastStream brokers.

    python -m pathways_shared.asyncapi            # writes docs/asyncapi/<service>.yaml
    python -m pathways_shared.asyncapi --check    # exit 1 when a committed document is stale

Services publish through the transactional outbox, not through FastStream publishers, so the
topics each one publishes are added here, for the document only, as publishers on its broker.
Brokers are built from a fixed environment so the documents depend on the code alone; run this
in its own process (it imports the services' process modules).
"""
from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from importlib import import_module
from importlib.metadata import version
from pathlib import Path

from .broker.topics import Topics
from .events import DomainEvent

COMMAND = "python -m pathways_shared.asyncapi"
DEFAULT_OUT = Path("docs/asyncapi")
OUTBOX = "published through the transactional outbox"

# What the documents are generated under: the compose stack's broker and topic names, and
# placeholders for the secrets the intake insists on at start-up (never used to sign anything).
DOCUMENT_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
    "TOPIC_PREFIX": Topics().prefix,
    "DATABASE_URL": "sqlite+aiosqlite:///:memory:",
    "PSEUDONYM_KEY": "asyncapi-placeholder-key",
    "MASTER_KEY": "YXN5bmNhcGktcGxhY2Vob2xkZXIta2V5LTAxMjM0NTY=",  # base64 of 32 placeholder bytes
}


def _intake_broker():
    from pathways_intake.entrypoints.http import create_app

    return create_app(background=False).state.broker


def _notifier_broker():
    # The notifier builds its broker inside create_app without keeping it: catch it as it is made.
    from pathways_notifier.entrypoints import app as module

    made, make = [], module.make_kafka_broker
    module.make_kafka_broker = lambda *args, **kwargs: made.append(make(*args, **kwargs)) or made[-1]
    try:
        module.create_app()
    finally:
        module.make_kafka_broker = make
    return made[0]


def _module_broker(module: str):
    return lambda: import_module(module).broker


# service → (distribution, how to get its broker, topic attributes it publishes through the outbox)
SERVICES = {
    "referral-intake": ("pathways-referral-intake", _intake_broker, ("referrals",)),
    "router": ("pathways-router", _module_broker("pathways_router.entrypoints.app"),
               ("decisions", "provider_referrals", "provider_activity")),
    "notifier": ("pathways-notifier", _notifier_broker, ("deliveries", "provider_activity")),
    "ledger": ("pathways-ledger", _module_broker("pathways_ledger.entrypoints.app"), ()),
}


@contextmanager
def document_environment():
    """Only DOCUMENT_ENV (and PATH/HOME) visible while the services read their settings."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({k: v for k, v in saved.items() if k in ("PATH", "HOME")}, **DOCUMENT_ENV)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def document(service: str) -> str:
    """One service's AsyncAPI 3.0 document as YAML."""
    from faststream.specification import AsyncAPI

    distribution, broker_of, published = SERVICES[service]
    with document_environment():
        broker = broker_of()
    topics = Topics(DOCUMENT_ENV["TOPIC_PREFIX"])
    for attribute in published:
        topic = getattr(topics, attribute)
        broker.publisher(topic, title=f"{topic}:Outbox", description=OUTBOX, schema=DomainEvent)
    spec = AsyncAPI(broker, title=f"Family Pathways {service}", version=version(distribution),
                    description=f"Events the {service} service consumes and publishes.")
    return _stable_yaml(spec.to_specification().to_jsonable())


def _stable_yaml(spec: dict) -> str:
    """YAML with channels, operations, messages and schemas in name order: FastStream keeps a
    broker's subscribers and publishers in a set, so its own order changes from run to run."""
    import yaml

    for section, parent in (("channels", spec), ("operations", spec),
                            ("messages", spec.get("components", {})), ("schemas", spec.get("components", {}))):
        if section in parent:
            parent[section] = dict(sorted(parent[section].items()))
    return yaml.dump(spec, sort_keys=False)


def documents() -> dict[str, str]:
    return {service: document(service) for service in SERVICES}


def stale(out: Path, generated: dict[str, str]) -> list[Path]:
    """The documents under `out` that differ from `generated` (or are missing)."""
    paths = [out / f"{service}.yaml" for service in generated]
    return [p for p, text in zip(paths, generated.values()) if not p.is_file() or p.read_text("utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing")
    args = parser.parse_args(argv)
    generated = documents()
    outdated = stale(args.out, generated)
    if args.check:
        for path in outdated:
            print(f"{path} is out of date", file=sys.stderr)
        if outdated:
            print(f"regenerate with: {COMMAND}", file=sys.stderr)
        return 1 if outdated else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for service, text in generated.items():
        (args.out / f"{service}.yaml").write_text(text, "utf-8")
    print(f"wrote {len(generated)} AsyncAPI documents to {args.out} ({len(outdated)} changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
