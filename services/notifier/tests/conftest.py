"""Fixtures: the household used throughout, the receiver example from docs/, and real local
servers for the intake and a provider's webhook (see servers.py)."""
from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pytest

from pathways_shared.contracts.payloads import ProviderReferralRaised
from pathways_shared.events import EventType, new_event

from .servers import Intake, ProviderWebhook, new_secret

REPO = Path(__file__).resolve().parents[3]

HOUSEHOLD = {
    "schema_version": "1", "referral_id": "7d0c1c0e-8a55-4f4e-9a51-0f3c9b1e2a10",
    "referred_at": "2026-11-02T09:30:00Z", "source": {"type": "probation_practitioner"},
    "index_person": {"person_ref": "ix", "identifiers": [{"type": "CRN", "value": "X000001"}],
                     "given_name": "Sam", "family_name": "Rigby", "date_of_birth": "2004-06-14", "sex": "male",
                     "local_authority": "liverpool", "stage": "custody", "release_date": "2026-12-21",
                     "establishment": "LPI", "offence": {"violent": True, "convicted": True},
                     "violence_risk": True, "consent_to_contact_family": "granted", "needs": ["homelessness_risk"]},
    "family_members": [
        {"person_ref": "m1", "relationship": "mother", "given_name": "Ann", "family_name": "Rigby",
         "date_of_birth": "1979-03-02", "sex": "female", "local_authority": "liverpool",
         "contact": {"phone": "07700 900123"}, "consent_to_contact": "granted", "no_contact_with_index": True},
        {"person_ref": "c1", "relationship": "child", "given_name": "Lily", "family_name": "Rigby",
         "date_of_birth": "2019-11-20", "sex": "female", "local_authority": "liverpool", "carer_ref": "m1",
         "consent_to_contact": "granted"},
    ],
}


@pytest.fixture(scope="session")
def receiver_example():
    """docs/webhook_receiver.py, imported as providers would use it."""
    spec = importlib.util.spec_from_file_location("webhook_receiver", REPO / "docs" / "webhook_receiver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def intake():
    server = Intake({HOUSEHOLD["referral_id"]: HOUSEHOLD})
    yield server
    server.server.stop()


@pytest.fixture
def mail():
    """A real SMTP server on loopback, as a provider's mail service would be."""
    from .mailserver import MailServer

    server = MailServer()
    yield server
    server.stop()


@pytest.fixture
def webhook(receiver_example):
    server = ProviderWebhook(receiver_example, new_secret())
    yield server
    server.server.stop()


def raised_event(provider: str, persons: list[tuple[str, str]], *, revision: int = 1,
                 provider_referral_id: uuid.UUID | None = None, referral_id: str = HOUSEHOLD["referral_id"]):
    """A ProviderReferralRaised event as the router publishes it."""
    payload = ProviderReferralRaised(
        provider_referral_id=provider_referral_id or uuid.uuid4(), referral_id=uuid.UUID(referral_id),
        provider=provider, revision=revision, capacity="has_capacity", waitlisted=False, urgent=False,
        rulebook_version="1.0.0",
        persons=[{"person_ref": ref, "pseudonym": f"psn-{ref}", "role": role, "decision": "eligible"}
                 for ref, role in persons])
    return new_event(EventType.provider_referral_raised, payload.referral_id,
                     additional_information=payload.model_dump(mode="json"))


@pytest.fixture
def make_raised():
    return raised_event
