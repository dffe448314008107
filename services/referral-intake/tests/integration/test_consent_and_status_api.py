"""PATCH consent, GET status and the internal document endpoint, against real databases."""
import pytest
from sqlalchemy import select

from pathways_intake.adapters.tables import referrals
from pathways_shared.contracts.payloads import ConsentRecorded
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox

from ..conftest import bearer

pytestmark = pytest.mark.integration
REFERRAL_ID = "7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10"
CONSENT = f"/v1/referrals/{REFERRAL_ID}/consent"


async def consent_events(engine) -> list[ConsentRecorded]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == str(EventType.consent_recorded)).order_by(outbox.c.id))
        return [ConsentRecorded.model_validate(decode_event(r.payload).additionalInformation) for r in rows]


async def stored(engine):
    async with engine.connect() as conn:
        return (await conn.execute(select(referrals))).one()


async def test_a_consent_change_is_a_new_revision_announced_without_identities(api, referral, identifying):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    response = await client.patch(CONSENT, json={"person_ref": "ix", "consent": "granted"})
    assert response.status_code == 202
    assert response.json()["revision"] == 2 and response.json()["consent"] == "granted"
    row = await stored(intake.engine)
    assert row.revision == 2 and row.document["index_person"]["consent_to_contact_family"] == "granted"
    [recorded] = await consent_events(intake.engine)
    assert (recorded.revision, recorded.person_ref, recorded.consent.value) == (2, "ix", "granted")
    view = recorded.routing_view
    assert view["index_person"]["consent_to_contact_family"] == "granted"
    assert str(recorded.referral_id) == view["referral_id"] == REFERRAL_ID
    for person in [view["index_person"], *view["family_members"]]:
        assert not {"given_name", "family_name", "identifiers", "contact", "postcode"} & set(person)
    async with intake.engine.connect() as conn:
        [payload] = (await conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == str(EventType.consent_recorded)))).scalars()
    for clear in identifying:
        assert clear.encode() not in payload

    unchanged = await client.patch(CONSENT, json={"person_ref": "ix", "consent": "granted"})
    assert unchanged.status_code == 200 and unchanged.json()["revision"] == 2
    assert len(await consent_events(intake.engine)) == 1


async def test_a_family_members_consent_is_their_own(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    response = await client.patch(CONSENT, json={"person_ref": "c1", "consent": "refused"})
    assert response.status_code == 202 and response.json()["revision"] == 2
    row = await stored(intake.engine)
    assert [m["consent_to_contact"] for m in row.document["family_members"]] == ["granted", "refused"]
    assert row.document["index_person"]["consent_to_contact_family"] == "pending"
    [recorded] = await consent_events(intake.engine)
    assert recorded.routing_view["family_members"][1]["consent_to_contact"] == "refused"


@pytest.mark.parametrize(("body", "path", "kind"), [
    ({"person_ref": "nobody", "consent": "granted"}, "person_ref", "unknown_person_ref"),
    ({"person_ref": "ix", "consent": "maybe"}, "consent", "enum"),
    ({"person_ref": "ix", "consent": "granted", "note": "x"}, "note", "extra_forbidden"),
    ({"consent": "granted"}, "person_ref", "missing"),
])
async def test_a_consent_change_that_cannot_apply_is_refused_and_changes_nothing(api, referral, body, path, kind):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    response = await client.patch(CONSENT, json=body)
    assert response.status_code == 422
    assert (path, kind) in {(p["path"], p["type"]) for p in response.json()["problems"]}
    assert (await stored(intake.engine)).revision == 1 and await consent_events(intake.engine) == []


async def test_unknown_referrals_are_not_found(api):
    client, _ = api
    for path in (f"/v1/referrals/{REFERRAL_ID}", "/v1/referrals/not-a-uuid"):
        response = await client.get(path)
        assert response.status_code == 404 and response.json()["problems"][0]["type"] == "unknown_referral"
    response = await client.patch(CONSENT, json={"person_ref": "ix", "consent": "granted"})
    assert response.status_code == 404


async def test_a_new_referral_reports_submitted_with_no_decisions_yet(api, referral):
    client, _ = api
    await client.post("/v1/referrals", json=referral)
    status = (await client.get(f"/v1/referrals/{REFERRAL_ID}")).json()
    assert status["status"] == "submitted" and status["revision"] == 1
    assert status["decisions"] == [] and status["provider_referrals"] == []
    assert status["received_at"].endswith("+00:00")


async def test_the_clear_document_needs_the_internal_scope(api, referral):
    client, intake = api
    await client.post("/v1/referrals", json=referral)
    path = f"/internal/v1/referrals/{REFERRAL_ID}/document"
    anonymous = await client.get(path, headers={"Authorization": ""})
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert (await client.get(path, headers={"Authorization": "Bearer wrong-token"})).status_code == 401
    assert (await client.get(path, headers=bearer("referrer"))).status_code == 403
    assert (await client.get(path, headers={"Authorization": "Basic abc"})).status_code == 401
    token = bearer("internal")
    response = await client.get(path, headers=token)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["revision"] == 1 and body["document"]["index_person"]["given_name"] == "Sam"
    assert body["document"]["index_person"]["identifiers"][0]["value"] == "X000001"
    unknown = await client.get("/internal/v1/referrals/00000000-0000-4000-8000-000000000000/document", headers=token)
    assert unknown.status_code == 404
