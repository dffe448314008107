"""Each service's HTTP app over a real database (SQLite and PostgreSQL), with a tokens file holding
one token per role, and a client for it."""
from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the helper module beside this file

import security_apps  # noqa: E402


@pytest.fixture
def tokens(tmp_path) -> tuple[Path, dict[str, str]]:
    """(tokens file, role → token)."""
    path = tmp_path / "tokens.jsonl"
    return path, security_apps.issue_tokens(path)


@pytest.fixture(params=security_apps.SERVICES)
async def served(request, db_url, tokens, tmp_path):
    """(service, client, role → token): the service running over `db_url` and its client."""
    path, by_role = tokens
    service = security_apps.build(request.param, db_url, path, tmp_path)
    async with service.running():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app),
                                     base_url="http://service") as client:
            yield service, client, by_role
