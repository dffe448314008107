"""The notifier as it runs: the real broker, a real database, the app under uvicorn with its
worker and outbox relay, the provider webhook configured through a providers file."""
import asyncio
import json
import socket
from datetime import date

import httpx
import prometheus_client
import pytest
import uvicorn

from pathways_notifier.bootstrap import NotifierSettings
from pathways_notifier.domain.delivery import webhook_id
from pathways_notifier.entrypoints.app import create_app
from pathways_shared.auth import TokenStore
from pathways_shared.events import EventType, decode_event
from pathways_shared.testing.fixtures import publish_events, read_topic

from ..servers import INTAKE_TOKEN

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]




async def until(predicate, timeout=30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.fixture
async def running(kafka_settings, db_url, intake, webhook, tmp_path):
    providers = tmp_path / "providers.json"
    providers.write_text(json.dumps({p: {"webhook_url": webhook.url, "secret": webhook.secret}
                                     for p in ("tmuk", "shelter")}))
    settings = NotifierSettings(
        database_url=db_url, kafka_bootstrap_servers=kafka_settings.kafka_bootstrap_servers,
        kafka_session_timeout_ms=kafka_settings.kafka_session_timeout_ms, topic_prefix=kafka_settings.topic_prefix,
        intake_url=intake.url, intake_token=INTAKE_TOKEN, providers_file=providers, today=date(2026, 11, 2),
        backoff_base_s=0.01, backoff_cap_s=0.05, max_attempts=2, worker_interval_s=0.05)
    app = create_app(settings, broker_registry=prometheus_client.CollectorRegistry())
    app.state.tokens = TokenStore.of([("admin", "tok-admin", ["admin"])])  # /v1/deliveries is the admin's
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), "the app failed to start"
        await asyncio.sleep(0.05)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}",
                                 headers={"Authorization": "Bearer tok-admin"}) as client:
        yield settings, client
    server.should_exit = True
    await task
    sock.close()


async def test_consumes_delivers_publishes_dead_letters_and_replays(running, webhook, make_raised):
    settings, api = running
    bootstrap, topics = settings.kafka_bootstrap_servers, settings.topic_prefix
    assert (await api.get("/readyz")).status_code == 200
    first = make_raised("tmuk", [("c1", "subject"), ("m1", "carer")])
    first_id = webhook_id(first.additionalInformation["provider_referral_id"], 1)
    # Sent twice, as a redelivery would: still one webhook.
    await asyncio.to_thread(publish_events, bootstrap, topics + "provider-referrals", [first, first])

    async def delivered_first():
        return (await api.get(f"/v1/deliveries/{first_id}")).json().get("status") == "delivered"
    await until(delivered_first)
    assert dict(webhook.acknowledged) == {first_id: 1}
    assert [p["person_ref"] for p in webhook.payloads[first_id]["data"]["persons"]] == ["c1", "m1"]

    webhook.mode = "down"
    second = make_raised("shelter", [("ix", "subject")])
    second_id = webhook_id(second.additionalInformation["provider_referral_id"], 1)
    await asyncio.to_thread(publish_events, bootstrap, topics + "provider-referrals", [second])

    async def dead_listed():
        return [d["webhook_id"] for d in (await api.get("/v1/deliveries", params={"status": "dead"})).json()] == [
            second_id]
    await until(dead_listed)
    dead = (await api.get(f"/v1/deliveries/{second_id}")).json()
    assert (dead["attempts"], dead["last_error"], dead["provider"]) == (2, "HTTP 503", "shelter")
    assert "persons" not in dead

    webhook.mode = "ok"
    replayed = await api.post(f"/v1/deliveries/{second_id}/replay")
    assert replayed.status_code == 200 and replayed.json()["attempts"] == 0

    async def delivered_second():
        return (await api.get(f"/v1/deliveries/{second_id}")).json()["status"] == "delivered"
    await until(delivered_second)
    assert webhook.acknowledged[second_id] == 1
    assert (await api.post(f"/v1/deliveries/{second_id}/replay")).status_code == 409
    assert (await api.post("/v1/deliveries/no-such-id/replay")).status_code == 404

    records = await asyncio.to_thread(read_topic, bootstrap, topics + "deliveries", expected=3, timeout=15)
    events = [decode_event(r.value) for r in records]
    kinds = sorted((e.eventType, e.additionalInformation["webhook_id"]) for e in events)
    assert kinds == sorted([(EventType.provider_referral_delivered, first_id),
                            (EventType.provider_referral_delivery_failed, second_id),
                            (EventType.provider_referral_delivered, second_id)])
    failed = next(e for e in events if e.eventType == EventType.provider_referral_delivery_failed)
    assert failed.additionalInformation["dead_lettered"] is True

    metrics = (await api.get("/metrics")).text
    assert 'pathways_notifier_deliveries_dead_lettered_total{provider="shelter"}' in metrics
    assert 'pathways_notifier_deliveries_succeeded_total{provider="tmuk"}' in metrics
    assert "pathways_notifier_delivery_latency_seconds_bucket" in metrics
    # A person_ref or name would show as a label value; topic names carry random hex, so match quoted.
    assert "Lily" not in metrics and '"c1"' not in metrics
