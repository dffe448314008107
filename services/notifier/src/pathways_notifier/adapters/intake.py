"""The clear referral document, fetched from the intake's internal endpoint at delivery time so
that nothing clear is stored here and the provider gets the household as it is now."""
from __future__ import annotations

import uuid

import httpx
from pydantic import ValidationError

from pathways_shared.contracts.referral_v1 import HouseholdReferral


class DocumentUnavailable(RuntimeError):
    """The intake could not give the document now; the message holds no personal data."""


class IntakeClient:
    def __init__(self, base_url: str, token: str, http: httpx.AsyncClient):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = http

    async def document(self, referral_id: uuid.UUID) -> HouseholdReferral:
        url = f"{self.base_url}/internal/v1/referrals/{referral_id}/document"
        try:
            response = await self.http.get(url, headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise DocumentUnavailable(f"intake unreachable: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise DocumentUnavailable(f"intake answered HTTP {response.status_code}")
        try:
            body = response.json()
            # Accept the bare document or one wrapped with its metadata under "document".
            doc = body["document"] if isinstance(body.get("document"), dict) else body
            return HouseholdReferral.model_validate(doc)
        except (ValueError, AttributeError, ValidationError):
            raise DocumentUnavailable("intake returned something that is not a v1 referral document") from None
