"""The protected store against real databases: nothing personal in clear, every read audited,
erasure shreds without breaking anything, a subject access request shows everything held."""
import uuid

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from pathways_intake.adapters.tables import access_audit, person_keys, personal_fields, referral_persons, referrals
from pathways_intake.domain.personal import ERASED
from pathways_intake.service_layer.access import Access
from pathways_intake.service_layer.erasure import UnknownPerson, erase, subject_access
from pathways_shared.outbox import outbox

from ..conftest import bearer

pytestmark = pytest.mark.integration
REFERRAL_ID = "7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10"
DOCUMENT = f"/internal/v1/referrals/{REFERRAL_ID}/document"


async def rows(engine, query) -> list:
    async with engine.connect() as conn:
        return (await conn.execute(query)).all()


async def pseudonym_of(intake, person_ref: str) -> str:
    [row] = await rows(intake.engine, select(referral_persons.c.pseudonym).where(
        referral_persons.c.person_ref == person_ref))
    return row.pseudonym


async def test_personal_data_is_stored_only_sealed(api, referral, clear_values):
    client, intake = api
    assert (await client.post("/v1/referrals", json=referral)).status_code == 202
    [stored] = await rows(intake.engine, select(referrals))
    assert not [v for v in clear_values if v in repr(stored.document)]
    assert stored.document["index_person"]["stage"] == "custody"  # the rest stays queryable
    sealed = await rows(intake.engine, select(personal_fields))
    assert {(r.person_ref, r.field) for r in sealed} >= {("ix", "given_name"), ("ix", "identifiers"),
                                                         ("ix", "date_of_birth"), ("m1", "given_name"),
                                                         ("", "contact_name")}
    assert not [v for r in sealed for v in clear_values if v.encode() in r.sealed]
    keys = await rows(intake.engine, select(person_keys))
    assert len(keys) == 3 and all(k.wrapped and k.master_key_id == "k1" for k in keys)  # ix, m1, the referrer
    assert not (await rows(intake.engine, select(access_audit)))  # storing is not reading


async def test_the_notifiers_read_is_clear_and_audited(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    body = (await client.get(DOCUMENT, params={"purpose": "delivery pr-1"}, headers=bearer("internal"))).json()
    assert body["document"]["index_person"]["family_name"] == "Ashworth" and body["erased"] == []
    assert body["document"]["index_person"]["date_of_birth"] == "2004-06-14"
    assert body["document"]["source"]["contact_name"] == "Pat Officer"
    reads = await rows(intake.engine, select(access_audit).order_by(access_audit.c.id))
    assert {r.pseudonym for r in reads} == {await pseudonym_of(intake, ref) for ref in ("ix", "m1", "")}
    index_person = await pseudonym_of(intake, "ix")
    index = next(r for r in reads if r.pseudonym == index_person)
    assert (index.caller, index.role, index.purpose) == ("test-internal", "internal", "delivery pr-1")
    assert index.fields == sorted(["date_of_birth", "family_name", "given_name", "identifiers", "contact",
                                   "postcode"])


async def test_an_erased_person_reads_as_erased_and_the_household_still_works(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    person = await pseudonym_of(intake, "ix")
    done = await erase(intake.engine, intake.service.store, person)
    assert (done.referrals, done.keys_shredded) == ([REFERRAL_ID], 1)
    done_id = uuid.UUID(REFERRAL_ID)
    _, document = await intake.service.referral_document(done_id)
    assert document["index_person"]["family_name"] == ERASED and document["family_members"][0]["given_name"] == "Ann"
    body = (await client.get(DOCUMENT, headers=bearer("internal"))).json()
    assert "family_name" not in body["document"]["index_person"] and body["document"]["index_person"]["age_years"] == 22
    assert "index_person.identifiers" in body["erased"]
    # Still countable, still changeable: the rows and the pseudonym stay, consent still works.
    assert len(await rows(intake.engine, select(personal_fields).where(personal_fields.c.person_ref == "ix"))) == 6
    consent = await client.patch(f"/v1/referrals/{done_id}/consent", json={"person_ref": "ix", "consent": "granted"})
    assert consent.status_code == 202
    [event] = [r for r in await rows(intake.engine, select(outbox)) if b"consent-recorded" in r.payload]
    assert person.encode() in event.payload and b"Ashworth" not in event.payload
    with pytest.raises(UnknownPerson):
        await erase(intake.engine, intake.service.store, "pp_" + "0" * 32)


async def test_a_subject_access_request_shows_what_is_held_and_is_audited(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    await client.get(DOCUMENT, headers=bearer("internal"))
    mother = await pseudonym_of(intake, "m1")
    held = await subject_access(intake.engine, intake.service.store, mother, Access("dpo", "operator", "SAR 12"))
    [part] = held["referrals"]
    assert (part["role"], part["person_ref"], part["held"]["given_name"]) == ("family member", "m1", "Ann")
    assert "Sam" not in repr(held) and "Ashworth" not in repr(held)  # only their own data
    assert [r["purpose"] for r in held["reads"]] == ["delivery of a provider referral", "SAR 12"]
    assert held["data_keys"][0]["shredded_at"] is None
    await erase(intake.engine, intake.service.store, mother)
    after = await subject_access(intake.engine, intake.service.store, mother, Access("dpo", "operator", "SAR 13"))
    assert after["referrals"][0]["held"]["given_name"] == ERASED and after["data_keys"][0]["shredded_for"] == "erasure"
    assert after["reads"][-1]["purpose"] == "SAR 12"  # nothing clear was read the second time


async def test_the_audit_refuses_update_and_delete(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    await client.get(DOCUMENT, headers=bearer("internal"))
    for change in (update(access_audit).values(purpose="nothing to see"), access_audit.delete()):
        with pytest.raises(DBAPIError, match="append-only"):
            async with intake.engine.begin() as conn:
                await conn.execute(change)
    if intake.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            async with intake.engine.begin() as conn:
                await conn.execute(text("TRUNCATE access_audit"))
    assert len(await rows(intake.engine, select(access_audit))) == 3
