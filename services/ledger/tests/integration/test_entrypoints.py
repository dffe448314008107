"""`pathways ledger ...` as a real process, and the HTTP API through its ASGI app."""
import asyncio
import json
import sys

import httpx
import pytest
from pathways_shared.auth import TokenStore
from pathways_shared.settings import Settings

from pathways_ledger.entrypoints.http import create_app

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def pathways(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pathways_shared.cli", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_verify_exits_0_on_an_intact_ledger(ledger, db_url, envelope):
    await ledger.record_events([envelope(n) for n in range(12)])
    code, out, err = await pathways("ledger", "verify", "--database-url", db_url, "--page-size", "5")
    assert (code, err) == (0, "")
    assert "12 entries" in out and (await ledger.store.head()).hash in out


async def test_verify_exits_1_naming_the_first_broken_entry(ledger, db_url, envelope):
    entries = await ledger.record_events([envelope(n) for n in range(6)])
    async with ledger.engine.begin() as conn:
        if ledger.engine.dialect.name == "postgresql":
            await conn.exec_driver_sql("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_no_update_delete")
        else:
            await conn.exec_driver_sql("DROP TRIGGER ledger_entries_no_update")
        await conn.exec_driver_sql("UPDATE ledger_entries SET referral_id = 'someone-else' WHERE seq = 4")
    code, out, err = await pathways("ledger", "verify", "--database-url", db_url)
    assert code == 1
    assert f"seq 4 (entry {entries[3].entry_id}): hash mismatch" in err


async def test_trail_prints_a_referrals_entries_as_json(ledger, db_url, envelope):
    await ledger.record_events([envelope(n, referral_id="ref-t" if n in (1, 3) else None) for n in range(5)])
    code, out, _ = await pathways("ledger", "trail", "ref-t", "--database-url", db_url)
    assert code == 0
    trail = json.loads(out)
    assert [(item["seq"], item["payload"]["additionalInformation"]["n"]) for item in trail] == [(2, 1), (4, 3)]
    assert set(trail[0]) == {"seq", "event_type", "occurred_at", "recorded_at", "payload", "hash"}
    assert (await pathways("ledger", "trail", "ref-none", "--database-url", db_url))[0] == 1


async def test_a_database_without_a_ledger_exits_2(tmp_path):
    code, _, err = await pathways("ledger", "verify", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}")
    assert code == 2 and "no ledger" in err


@pytest.fixture
async def client(ledger, db_url):
    app = create_app(Settings(service_name="ledger", database_url=db_url))
    app.state.tokens = TokenStore.of([("commissioner", "tok-comm", ["commissioner"])])  # the trail needs it
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ledger",
                                     headers={"Authorization": "Bearer tok-comm"}) as http:
            yield http


async def test_the_trail_endpoint_lists_a_referrals_entries(ledger, client, envelope):
    recorded = [await ledger.record_event(envelope(n, referral_id="ref-h" if n != 1 else "ref-other"))
                for n in range(3)]
    response = await client.get("/v1/referrals/ref-h/trail")
    assert response.status_code == 200
    body = response.json()
    assert [item["seq"] for item in body] == [1, 3]
    assert body[1] == {"seq": 3, "event_type": "pathways.referral.received",
                       "occurred_at": "2026-10-01T09:02:00.000000Z",
                       "recorded_at": recorded[2].recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                       "payload": envelope(2, referral_id="ref-h"), "hash": recorded[2].hash}


async def test_an_unknown_referral_has_no_trail(client):
    assert (await client.get("/v1/referrals/ref-nobody/trail")).status_code == 404


async def test_healthz(client):
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
