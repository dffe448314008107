"""`purge`: a dry run counts and changes nothing; the real run ends exactly what is past its
period (sealed fields and keys of settled, quiet referrals; raw rejected rows; settled HMPPS
messages; audit rows past six years) and leaves every record countable."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from pathways_intake.adapters.tables import (
    access_audit, deliveries, feed_rejections, hmpps_inbox, person_keys, personal_fields, referrals,
)
from pathways_intake.service_layer.retention import Periods, purge

from ..conftest import bearer

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=800)


async def count(engine, table, *where) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def aged_household(client, intake, referral, *, open_provider_referral: bool) -> uuid.UUID:
    referral["referral_id"] = str(uuid.uuid4())
    assert (await client.post("/v1/referrals", json=referral)).status_code == 202
    rid = uuid.UUID(referral["referral_id"])
    async with intake.engine.begin() as conn:
        await conn.execute(update(referrals).where(referrals.c.referral_id == rid).values(updated_at=LONG_AGO))
        await conn.execute(deliveries.insert().values(
            provider_referral_id=uuid.uuid4(), referral_id=rid, provider="pops", attempts=1, updated_at=LONG_AGO,
            delivery="delivered", status="in-progress" if open_provider_referral else "completed"))
    return rid


async def test_a_dry_run_counts_and_the_purge_ends_what_is_past_its_period(api, referral):
    client, intake = api
    closed = await aged_household(client, intake, dict(referral), open_provider_referral=False)
    still_open = await aged_household(client, intake, dict(referral), open_provider_referral=True)
    referral["referral_id"] = str(uuid.uuid4())
    await client.post("/v1/referrals", json=referral)  # recent
    await client.get(f"/internal/v1/referrals/{closed}/document", headers=bearer("internal"))
    async with intake.engine.begin() as conn:
        await conn.execute(feed_rejections.insert(), [
            {"batch_id": uuid.uuid4(), "line": 2, "raw": "X1,Sam", "problems": [], "status": "open",
             "created_at": created} for created in (NOW - timedelta(days=91), NOW - timedelta(days=3))])
        await conn.execute(hmpps_inbox.insert(), [
            {"id": f"m{n}", "raw": "{\"crn\": \"X1\"}", "received_at": received, "status": status, "attempts": 1,
             "updated_at": received} for n, (received, status) in enumerate(
                [(NOW - timedelta(days=31), "applied"), (NOW - timedelta(days=31), "unresolved"), (NOW, "applied")])])
        await conn.execute(access_audit.insert(), [
            {"read_at": NOW - timedelta(days=365 * 7), "caller": "old", "role": "internal", "pseudonym": "pp_x",
             "fields": [], "purpose": "delivery"}])
    periods = Periods.of(intake.settings)
    sealed_before = await count(intake.engine, personal_fields)

    expected = {"closed_referrals": 1, "feed_rejections": 1, "hmpps_inbox_messages": 1, "audit_entries": 1}
    assert await purge(intake.engine, intake.service.store, periods, NOW, dry_run=True) == expected
    assert await count(intake.engine, personal_fields) == sealed_before
    assert await count(intake.engine, access_audit) == 4  # 3 reads just now, the old one

    done = await purge(intake.engine, intake.service.store, periods, NOW, dry_run=False)
    assert done == {**expected, "data_keys_shredded": 1}  # the mother's: only she is unique to it
    assert await count(intake.engine, personal_fields, personal_fields.c.referral_id == closed) == 0
    assert await count(intake.engine, personal_fields, personal_fields.c.referral_id == still_open) > 0
    assert await count(intake.engine, referrals) == 3  # every referral still counted
    assert await count(intake.engine, feed_rejections, feed_rejections.c.raw == "") == 1
    assert await count(intake.engine, hmpps_inbox, hmpps_inbox.c.raw == "") == 1
    assert await count(intake.engine, access_audit) == 3
    _, document = await intake.service.referral_document(still_open)
    assert document["index_person"]["family_name"] == "Ashworth"
    nothing_left = {k: 0 for k in expected}
    assert await purge(intake.engine, intake.service.store, periods, NOW, dry_run=True) == nothing_left


async def test_a_person_whose_every_referral_is_purged_loses_their_key(api, referral):
    client, intake = api
    await aged_household(client, intake, referral, open_provider_referral=False)
    done = await purge(intake.engine, intake.service.store, Periods.of(intake.settings), NOW, dry_run=False)
    assert done["data_keys_shredded"] == 3
    assert await count(intake.engine, person_keys, person_keys.c.wrapped.is_not(None)) == 0


async def test_the_running_intake_purges_by_itself(api):
    _, intake = api
    async with intake.engine.begin() as conn:
        await conn.execute(feed_rejections.insert(), [{"batch_id": uuid.uuid4(), "line": 2, "raw": "X1,Sam",
                                                       "problems": [], "status": "open",
                                                       "created_at": NOW - timedelta(days=91)}])
    assert intake.retention.poll_seconds == 86_400  # daily, unless RETENTION_POLL_SECONDS says otherwise
    assert await intake.retention.run_due() == 1
    assert await count(intake.engine, feed_rejections, feed_rejections.c.raw == "") == 1
