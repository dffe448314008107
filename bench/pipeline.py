"""Pipeline benchmark: households per second end to end, and latency from POST to webhook receipt,
on the embedded stack — beside the raw broker's own produce→consume round trip (aiokafka) for
the same number of messages on the same broker, the physical ceiling here."""
from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))
from demo_providers import DemoProviders  # noqa: E402
from stack import Stack  # noqa: E402

from pathways_router.adapters.rulebook_yaml import load_rulebook  # noqa: E402
from pathways_router.domain.facts import referral_date  # noqa: E402
from pathways_router.service_layer.routing import route  # noqa: E402
from pathways_shared.broker.topics import ensure_topics  # noqa: E402
from pathways_shared.contracts.referral_parsing import parse_referral  # noqa: E402
from pathways_shared.settings import Settings  # noqa: E402
from pathways_shared.testing.households import generate_households  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def expected_deliveries(docs: list[dict], today) -> int:
    book = load_rulebook()
    count = 0
    for doc in docs:
        referral = parse_referral(doc)
        count += len(route(referral, book, max(referral_date(referral.referred_at), today)).provider_referrals)
    return count


def run_pipeline(households: int, seed: int, timeout: float) -> dict:
    today = datetime.now(ZoneInfo("Europe/London")).date()
    docs = list(generate_households(households, seed))
    expected = expected_deliveries(docs, today)
    stack = Stack(var=ROOT / "var" / "bench", extra_env={"TODAY": today.isoformat()})
    providers = DemoProviders(stack.provider_secrets).start()
    try:
        stack.start(providers.endpoints)
        posted: dict[str, float] = {}
        started = time.monotonic()
        with httpx.Client(base_url=stack.urls["referral-intake"], timeout=30,
                          headers=stack.headers("referrer")) as client:
            for doc in docs:
                posted[doc["referral_id"]] = time.monotonic()
                response = client.post("/v1/referrals", json=doc)
                response.raise_for_status()
        deadline = time.monotonic() + timeout
        while len(providers.arrived) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        if len(providers.arrived) != expected:
            raise RuntimeError(f"received {len(providers.arrived)} of {expected} provider referrals")
        latencies = [providers.arrived[w] - posted[p["data"]["referral_id"]] for w, p in providers.received.items()]
        finished = max(providers.arrived.values())
        return {"households": households, "provider_referrals": expected, "elapsed_s": round(finished - started, 3),
                "households_per_s": round(households / (finished - started), 1),
                "latency_ms": {"p50": round(percentile(latencies, 0.5) * 1000, 1),
                               "p99": round(percentile(latencies, 0.99) * 1000, 1)},
                "broker": run_broker(stack.broker.bootstrap_servers, households)}
    finally:
        stack.stop()
        providers.stop()


def run_broker(bootstrap: str, messages: int) -> dict:
    """aiokafka produce → consume of `messages` messages, one at a time like the households."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = f"bench-roundtrip-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [topic], partitions=3)

    async def measure() -> dict:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=topic, auto_offset_reset="earliest",
                                    session_timeout_ms=3000, heartbeat_interval_ms=1000,
                                    fetch_max_wait_ms=Settings().kafka_fetch_max_wait_ms)  # as the services
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await consumer.start()
        await producer.start()
        sent, got = {}, {}
        try:
            async def consume():
                async for record in consumer:
                    got[record.key.decode()] = time.monotonic()
                    if len(got) == messages:
                        return

            reader = asyncio.create_task(consume())
            await asyncio.sleep(1)  # let the group settle before the clock starts
            started = time.monotonic()
            for i in range(messages):
                key = str(i)
                sent[key] = time.monotonic()
                await producer.send_and_wait(topic, b"x" * 512, key=key.encode())
            await asyncio.wait_for(reader, 120)
            finished = max(got.values())
        finally:
            await producer.stop()
            await consumer.stop()
        latencies = [got[k] - sent[k] for k in sent]
        return {"messages": messages, "messages_per_s": round(messages / (finished - started), 1),
                "latency_ms": {"p50": round(percentile(latencies, 0.5) * 1000, 1),
                               "p99": round(percentile(latencies, 0.99) * 1000, 1)}}

    return asyncio.run(measure())


DESCRIPTION = "households/s end to end and POST→webhook latency on the embedded stack, beside the raw broker round trip"


def add_arguments(parser) -> None:
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/ alone")


def run(args) -> int:
    from bench import measure

    try:
        result = run_pipeline(args.households, args.seed, args.timeout)
    except RuntimeError as exc:
        print(f"pipeline FAILED: {exc}")
        return 1
    broker = result["broker"]
    result["ratio"] = {
        "pipeline_p50_over_broker_p50": round(result["latency_ms"]["p50"] / broker["latency_ms"]["p50"], 1),
        "broker_rate_over_pipeline_rate": round(broker["messages_per_s"] / result["households_per_s"], 1)}
    print(f"  {result['households']} households → {result['provider_referrals']} provider referrals delivered "
          f"in {result['elapsed_s']} s: {result['households_per_s']} households/s")
    print(f"  POST → webhook receipt   p50 {result['latency_ms']['p50']} ms   p99 {result['latency_ms']['p99']} ms")
    print(f"  raw broker round trip    p50 {broker['latency_ms']['p50']} ms   p99 {broker['latency_ms']['p99']} ms   "
          f"{broker['messages_per_s']} messages/s (aiokafka, {broker['messages']} messages)")
    print(f"  ratios: latency p50 pipeline/broker {result['ratio']['pipeline_p50_over_broker_p50']}×, "
          f"rate broker/pipeline {result['ratio']['broker_rate_over_pipeline_rate']}×")
    if not args.no_write:
        result["machine"] = measure.machine("faststream", "aiokafka", "kafka-python")
        print(f"  wrote {measure.write_result('pipeline', result).name} in bench/results/")
    return 0
