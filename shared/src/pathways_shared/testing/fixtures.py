"""Pytest plugin: the real broker and real databases for integration tests.

- kafka_bootstrap (session): "host:port" of KAFKA_BOOTSTRAP_SERVERS, or of an embedded broker
  started for the session; the Pathways topics (and their .dlq twins) exist.
- fresh_topics: a Topics with a unique prefix, created, so a test sees only its own messages.
- kafka_settings: Settings pointing at the broker, with the short session timeout tests need.
- pg_url (session): a fresh PostgreSQL database for the session, dropped afterwards.
  The admin connection is DATABASE_URL, else postgres@127.0.0.1:5432.
- pg_schema_url: a fresh schema in that database per test (its own empty tables).
- sqlite_url: a new SQLite file per test. db_url: each test once per database kind, always fresh.

A missing broker or PostgreSQL skips the test, or fails it when REQUIRE_SERVICES=1; so does a
missing ../shared (the published samples), which CI has beside the clone.
"""
from __future__ import annotations

import os
import time
import uuid

import pytest

from ..broker.embedded import EmbeddedBroker
from ..broker.topics import Topics, ensure_topics
from ..db import normalise_url
from ..settings import Settings

TEST_SESSION_TIMEOUT_MS = 2000
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def service_unavailable(reason: str):
    """Skip, or fail when the run must have every service (CI sets REQUIRE_SERVICES=1)."""
    required_missing(reason)


def required_missing(reason: str):
    """Something a complete run has is not here (a service, ../shared beside the checkout): skip,
    or fail when the run must be complete (CI sets REQUIRE_SERVICES=1)."""
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kafka_bootstrap():
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    broker = None
    try:
        if external:
            bootstrap = external
        else:
            broker = EmbeddedBroker().start()
            bootstrap = broker.bootstrap_servers
        ensure_topics(bootstrap, Topics(Settings().topic_prefix).all())
    except Exception as exc:  # BrokerUnavailable, or an external broker not answering
        if broker is not None:
            broker.stop()
        service_unavailable(f"Kafka broker unavailable: {exc}")
    try:
        yield bootstrap
    finally:
        if broker is not None:
            broker.stop()


def publish_events(bootstrap: str, topic: str, events) -> None:
    """Publish DomainEvents as another service would (keyed by household), acknowledged by the broker."""
    from kafka import KafkaProducer

    from ..events import encode_event

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for event in events:
            producer.send(topic, key=event.partition_key, value=encode_event(event))
        producer.flush(timeout=10)
    finally:
        producer.close()


def read_topic(bootstrap: str, topic: str, *, expected: int, timeout: float = 10.0) -> list:
    """Every record on `topic` from the start (kafka-python ConsumerRecords, in partition then
    offset order), returning as soon as `expected` have arrived or when `timeout` passes."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                             auto_offset_reset="earliest", enable_auto_commit=False)
    records, deadline = [], time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
    finally:
        consumer.close()
    return sorted(records, key=lambda r: (r.partition, r.offset))


@pytest.fixture
def fresh_topics(kafka_bootstrap) -> Topics:
    topics = Topics(f"test-{uuid.uuid4().hex[:10]}.")
    ensure_topics(kafka_bootstrap, topics.all())
    return topics


@pytest.fixture
def kafka_settings(kafka_bootstrap, fresh_topics) -> Settings:
    return Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_session_timeout_ms=TEST_SESSION_TIMEOUT_MS,
        topic_prefix=fresh_topics.prefix,
    )


def _sync_pg_url(url: str) -> str:
    return normalise_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def pg_url():
    import psycopg
    from sqlalchemy.engine import make_url

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_PG_ADMIN_URL
    if not admin_url.startswith(("postgres://", "postgresql")):
        admin_url = DEFAULT_PG_ADMIN_URL
    admin_url = _sync_pg_url(admin_url)
    name = f"pathways_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        service_unavailable(f"PostgreSQL unavailable: {exc}")
    url = make_url(normalise_url(admin_url)).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'pathways.db'}"


@pytest.fixture
def pg_schema_url(pg_url):
    """A URL whose connections see only a new, empty schema of the session database."""
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_sync_pg_url(pg_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(_sync_pg_url(pg_url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    """The same test against SQLite and PostgreSQL, each time with empty tables."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_schema_url")
