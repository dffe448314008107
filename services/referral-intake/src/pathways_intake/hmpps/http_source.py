"""The probation case API as a case source, over HTTP:

    GET {base}/cases/crn/{crn}     GET {base}/cases/noms/{noms}     → 200 case record | 404

An event's detailUrl is followed first, but only when it lies under the configured base URL:
a URL taken from a message is never fetched from anywhere else.
"""
from __future__ import annotations

import asyncio
from urllib.parse import quote, unquote

import httpx
from pydantic import ValidationError

from pathways_shared.inbox import describe_error

from .cases import CaseRecord, CaseSourceUnavailable
from .messages import CaseIdentifiers


class HttpCaseSource:
    def __init__(self, base_url: str, *, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def under_base(self, detail_url: str) -> bool:
        """Whether a URL from a message lies under the base URL as it will be requested: a valid
        URL on the same scheme, host and port, below the base path, with no dot segment (the
        client would resolve `/api/../admin` to `/admin`)."""
        if not detail_url.startswith(self.base_url + "/"):
            return False
        try:
            url, base = httpx.URL(detail_url), httpx.URL(self.base_url + "/")
        except httpx.InvalidURL:  # control characters, too long: never requested
            return False
        segments = [unquote(s) for s in url.raw_path.decode("ascii").split("?")[0].split("/")]
        return ((url.scheme, url.host, url.port) == (base.scheme, base.host, base.port) and not url.userinfo
                and url.path.startswith(base.path) and not {".", ".."} & set(segments))

    def urls(self, identifiers: CaseIdentifiers) -> list[str]:
        urls = []
        if identifiers.detail_url and self.under_base(identifiers.detail_url):
            urls.append(identifiers.detail_url)
        if identifiers.crn:
            urls.append(f"{self.base_url}/cases/crn/{quote(identifiers.crn, safe='')}")
        if identifiers.noms:
            urls.append(f"{self.base_url}/cases/noms/{quote(identifiers.noms, safe='')}")
        return urls

    async def get_case(self, identifiers: CaseIdentifiers) -> CaseRecord | None:
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            for url in self.urls(identifiers):
                try:   # httpx's timeout bounds each read: a server trickling bytes would hold the consumer
                    async with asyncio.timeout(self.timeout):
                        response = await client.get(url, headers={"Accept": "application/json"})
                except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:  # the URL names the person
                    raise CaseSourceUnavailable(f"case API unreachable ({type(exc).__name__})") from None
                if response.status_code == 404:
                    continue  # not known by this identifier; try the next one
                if response.status_code != 200:
                    raise CaseSourceUnavailable(f"case API answered HTTP {response.status_code}")
                try:
                    return CaseRecord.model_validate_json(response.content)
                except ValidationError as exc:
                    raise CaseSourceUnavailable(f"case API sent an invalid case: {describe_error(exc)}") from None
        return None
