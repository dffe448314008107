"""Test support: the intake's HMPPS subscriber against a real broker and a real database."""
from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import AsyncIterator, Iterable

import prometheus_client
from kafka import KafkaProducer
from sqlalchemy import select

from pathways_shared.broker.factory import make_kafka_broker
from pathways_shared.events import DomainEvent, decode_event
from pathways_shared.outbox import outbox

from ..adapters import repository as repo
from ..adapters.tables import hmpps_inbox
from ..bootstrap import Intake, IntakeSettings, bootstrap, create_schema
from ..domain.case_key import case_referral_id
from ..service_layer.cases import apply_case
from .cases import CaseRecord, household_referral
from .inbox import InboxStatus
from .stages import CaseStage
from .subscriber import ensure_hmpps_topics, register_hmpps_subscriber

SETTLED = frozenset(InboxStatus) - {InboxStatus.received}
TEST_SESSION_TIMEOUT_MS = 2000


def settings_for_tests(*, bootstrap_servers: str, database_url: str, topic: str, case_source: str | None,
                  **overrides) -> IntakeSettings:
    """One partition, so messages are handled in the order they were published."""
    values = dict(pseudonym_key="test-pseudonym-key-0123456789",
                  master_key="bWFzdGVyLWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU=",  # base64 of 32 bytes, tests only
                  database_url=database_url, kafka_bootstrap_servers=bootstrap_servers,
                  kafka_session_timeout_ms=TEST_SESSION_TIMEOUT_MS, topic_partitions=1,
                  topic_prefix=topic.rsplit(".", 1)[0] + ".", hmpps_events_topic=topic,
                  probation_case_source=case_source)
    return IntakeSettings(**(values | overrides))


async def load_caseload(intake: Intake, cases_file: Path, stages: dict[str, CaseStage] | None = None) -> None:
    """Apply every case in the file as the caseload export would, at its own stage unless told."""
    for crn, case in json.loads(cases_file.read_text(encoding="utf-8")).items():
        record = CaseRecord.model_validate({**case, "crn": crn})
        stage = (stages or {}).get(crn, record.stage())
        referral = household_referral(record, stage, referred_at=datetime(2022, 1, 1, tzinfo=UTC),
                                      case_key=intake.service.pseudonym_key)
        await apply_case(intake.service, referral, cause="caseload_export")


@contextlib.asynccontextmanager
async def running_subscriber(settings: IntakeSettings) -> AsyncIterator[Intake]:
    """The intake with only its HMPPS subscriber running (no relay, no progress consumer)."""
    intake = bootstrap(settings)
    await create_schema(intake.engine)
    await asyncio.to_thread(ensure_hmpps_topics, settings)
    broker = make_kafka_broker(settings, registry=prometheus_client.CollectorRegistry())
    register_hmpps_subscriber(broker, settings, intake.hmpps.events)
    await broker.start()
    try:
        yield intake
    finally:
        await broker.stop()
        await intake.engine.dispose()


def publish(bootstrap_servers: str, topic: str, bodies: Iterable[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    try:
        for body in bodies:
            producer.send(topic, value=body)
        producer.flush(timeout=10)
    finally:
        producer.close()


async def inbox_rows(intake: Intake) -> dict:
    async with intake.engine.connect() as conn:
        return {row.id: row for row in await conn.execute(select(hmpps_inbox))}


async def until_settled(intake: Intake, count: int, *, statuses=SETTLED, timeout: float = 30.0) -> dict:
    """The inbox once `count` messages have reached one of `statuses`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await inbox_rows(intake)
        if sum(row.status in statuses for row in rows.values()) >= count:
            return rows
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"inbox never settled: {sorted((r.status, r.event_type) for r in rows.values())}")
        await asyncio.sleep(0.1)


async def stored_case(intake: Intake, crn: str):
    async with intake.engine.connect() as conn:
        return await repo.load_referral(conn, case_referral_id(crn, intake.service.pseudonym_key))


async def announced(intake: Intake) -> list[DomainEvent]:
    async with intake.engine.connect() as conn:
        return [decode_event(row.payload) for row in await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))]
