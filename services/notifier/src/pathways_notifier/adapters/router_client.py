"""The router's onward-referral endpoint, called for a signed-in provider with that provider's
own token: the router decides, and says why when it refuses."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx


class RouterUnavailable(RuntimeError):
    """The router could not answer now; the message holds no personal data."""


@dataclass(frozen=True)
class OnwardAnswer:
    status: int
    created: dict | None = None                        # the new provider referral (201)
    problems: list[str] = field(default_factory=list)  # why not, as the router explained it


class RouterClient:
    def __init__(self, base_url: str, http: httpx.AsyncClient):
        self.base_url, self.http = base_url.rstrip("/"), http

    async def refer_onward(self, token: str, provider_referral_id: uuid.UUID, provider: str,
                           person_refs: list[str], reason: str) -> OnwardAnswer:
        url = f"{self.base_url}/v1/provider-referrals/{provider_referral_id}/onward-referrals"
        try:
            response = await self.http.post(url, headers={"Authorization": f"Bearer {token}"},
                                            json={"provider": provider, "person_refs": person_refs, "reason": reason})
        except httpx.HTTPError as exc:
            raise RouterUnavailable(f"the router is unreachable: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 201 and isinstance(body, dict):
            return OnwardAnswer(201, created=body)
        if response.status_code >= 500 or not isinstance(body, dict):
            raise RouterUnavailable(f"the router answered HTTP {response.status_code}")
        problems = [str(p.get("message")) for p in body.get("problems", []) if isinstance(p, dict)]
        return OnwardAnswer(response.status_code, problems=problems or [f"refused (HTTP {response.status_code})"])
