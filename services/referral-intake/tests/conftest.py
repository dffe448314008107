"""A household referral to submit, and the intake app over a real database, without the broker or
running on it."""
import asyncio
import copy

import httpx
import prometheus_client
import pytest

from pathways_shared.auth import TokenStore
from pathways_shared.broker.topics import topics_for

from pathways_intake.bootstrap import IntakeSettings
from pathways_intake.entrypoints.http import create_app

PSEUDONYM_KEY = "test-pseudonym-key-0123456789"
MASTER_KEY = "bWFzdGVyLWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU="  # base64 of 32 bytes, for tests only
# One test token per scope; the api client presents ADMIN unless a test says otherwise.
TOKENS = {"referrer": "fp_test-referrer", "admin": "fp_test-admin", "internal": "fp_test-internal",
          "commissioner": "fp_test-commissioner", "provider:pops": "fp_test-pops"}
ADMIN = {"Authorization": f"Bearer {TOKENS['admin']}"}
# Names, dates of birth, identifiers and contact details: they never leave the intake except through
# the internal document endpoint (events carry ages in whole years instead of dates of birth).
IDENTIFYING = ("Sam", "Ashworth", "Ann", "Pat Officer", "X000001", "A1234BC", "07700900123", "L4 0TH",
               "sam@example.org", "2004-06-14")
CLEAR = IDENTIFYING
REFERRAL = {
    "schema_version": "1", "referral_id": "7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10",
    "referred_at": "2026-11-02T09:30:00Z",
    "source": {"type": "probation_practitioner", "organisation": "Probation", "contact_name": "Pat Officer"},
    "index_person": {
        "person_ref": "ix", "identifiers": [{"type": "CRN", "value": "X000001"}, {"type": "NOMS", "value": "A1234BC"}],
        "given_name": "Sam", "family_name": "Ashworth", "date_of_birth": "2004-06-14", "sex": "male",
        "local_authority": "liverpool", "postcode": "L4 0TH", "stage": "custody", "release_date": "2026-12-21",
        "establishment": "LPI", "offence": {"violent": True, "convicted": True},
        "consent_to_contact_family": "pending", "needs": ["homelessness_risk"],
        "contact": {"phone": "07700900123", "email": "sam@example.org"}},
    "family_members": [
        {"person_ref": "m1", "relationship": "mother", "given_name": "Ann", "age_years": 47, "sex": "female",
         "local_authority": "liverpool", "consent_to_contact": "granted"},
        {"person_ref": "c1", "relationship": "child", "age_years": 7, "sex": "female", "local_authority": "liverpool",
         "carer_ref": "m1", "consent_to_contact": "pending"},
    ],
}


@pytest.fixture
def identifying() -> tuple[str, ...]:
    return IDENTIFYING


@pytest.fixture
def clear_values() -> tuple[str, ...]:
    return CLEAR


@pytest.fixture
def referral() -> dict:
    return copy.deepcopy(REFERRAL)


def intake_settings(**overrides) -> IntakeSettings:
    return IntakeSettings(pseudonym_key=PSEUDONYM_KEY, master_key=MASTER_KEY, **overrides)


def token_store() -> TokenStore:
    """One token per scope (TOKENS), for an app a test makes itself: app.state.tokens = token_store()."""
    return TokenStore.of([(f"test-{scope}", token, [scope]) for scope, token in TOKENS.items()])


def bearer(scope: str) -> dict:
    return {"Authorization": f"Bearer {TOKENS[scope]}"}


@pytest.fixture
def settings_with():
    """Intake settings with the test secrets and the given overrides."""
    return intake_settings


@pytest.fixture
async def api(db_url):
    """(client, intake) over a real database; the relay and the consumer are not started. The
    client presents an admin token (every scope); tests of access control send their own."""
    app = create_app(intake_settings(database_url=db_url, topic_prefix="t."), background=False,
                     registry=prometheus_client.CollectorRegistry())
    app.state.tokens = token_store()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake",
                                     headers=ADMIN) as client:
            yield client, app.state.intake


@pytest.fixture
async def on_broker(kafka_settings, sqlite_url):
    """(client, topics, bootstrap servers): the whole intake process (relay and consumers) on the
    test broker; the client presents an admin token. Its tasks run on the session loop, so tests
    using it run there too (pytest.mark.asyncio(loop_scope="session"))."""
    settings = intake_settings(database_url=sqlite_url, kafka_bootstrap_servers=kafka_settings.kafka_bootstrap_servers,
                               kafka_session_timeout_ms=kafka_settings.kafka_session_timeout_ms,
                               topic_prefix=kafka_settings.topic_prefix)
    app = create_app(settings, registry=prometheus_client.CollectorRegistry())
    app.state.tokens = token_store()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake",
                                     headers=ADMIN) as client:
            yield client, topics_for(settings), settings.kafka_bootstrap_servers


async def until_status(client, path: str, wanted: str, timeout: float = 30.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status = (await client.get(path)).json()
        if status["status"] == wanted:
            return status
        assert asyncio.get_running_loop().time() < deadline, f"still {status['status']!r}, wanted {wanted!r}"
        await asyncio.sleep(0.1)
