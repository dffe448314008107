"""Every intake endpoint needs a token (401 without one or with an unknown one) holding its scope
(403 otherwise): referrer for referrals, internal for the clear document, admin for the feed."""
import pytest

from ..conftest import bearer

pytestmark = pytest.mark.integration
RID = "7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10"
BATCH = "00000000-0000-4000-8000-000000000001"
ENDPOINTS = [
    ("POST", "/v1/referrals", "referrer"),
    ("GET", f"/v1/referrals/{RID}", "referrer"),
    ("PATCH", f"/v1/referrals/{RID}/consent", "referrer"),
    ("GET", f"/internal/v1/referrals/{RID}/document", "internal"),
    ("POST", "/v1/probation/caseload", "admin"),
    ("GET", f"/v1/probation/batches/{BATCH}", "admin"),
    ("GET", f"/v1/probation/batches/{BATCH}/rejections", "admin"),
    ("POST", f"/v1/probation/batches/{BATCH}/rejections/2", "admin"),
    ("POST", f"/v1/probation/batches/{BATCH}/rejections/2/resolve", "admin"),
    ("GET", "/v1/probation/unresolved", "admin"),
]
OTHERS = ("referrer", "internal", "commissioner", "provider:pops")


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
async def test_each_endpoint_needs_its_scope(api, referral, method, path, scope):
    client, _ = api
    body = {"json": referral} if path == "/v1/referrals" else {"json": {"person_ref": "ix", "consent": "granted"}} \
        if path.endswith("consent") else {}
    none = await client.request(method, path, headers={"Authorization": ""}, **body)
    assert none.status_code == 401 and none.json()["problems"][0]["type"] == "http_401"
    assert (await client.request(method, path, headers={"Authorization": "Bearer fp_nobody"}, **body)).status_code == 401
    for other in (s for s in OTHERS if s != scope):
        refused = await client.request(method, path, headers=bearer(other), **body)
        assert refused.status_code == 403, other
    allowed = await client.request(method, path, headers=bearer(scope), **body)
    assert allowed.status_code not in (401, 403)
    assert (await client.request(method, path, headers=bearer("admin"), **body)).status_code not in (401, 403)
