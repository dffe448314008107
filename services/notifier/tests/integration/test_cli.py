"""`pathways deliveries list | replay`, run as the installed command against a real database."""
import asyncio
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from pathways_notifier.adapters import repository as repo
from pathways_notifier.adapters.tables import deliveries
from pathways_notifier.bootstrap import create_schema
from pathways_shared.cli import main
from pathways_shared.db import make_engine

pytestmark = pytest.mark.integration
PATHWAYS = str(Path(sys.executable).with_name("pathways"))


async def _seed(url: str) -> list[str]:
    engine = make_engine(url)
    await create_schema(engine)
    ids = []
    async with engine.begin() as conn:
        for n, status in enumerate(["dead", "dead", "delivered", "pending"]):
            ids.append(f"{uuid.uuid4()}_1")
            await repo.add_delivery(conn, {
                "webhook_id": ids[-1], "provider_referral_id": uuid.uuid4(), "referral_id": uuid.uuid4(),
                "provider": "pops", "revision": 1, "persons": [], "urgent": False, "waitlisted": False,
                "raised_at": datetime.now(UTC), "status": status, "attempts": 8 if status == "dead" else 1,
                "last_error": "HTTP 500" if status == "dead" else None})
    await engine.dispose()
    return ids


async def _states(url: str) -> dict:
    engine = make_engine(url)
    async with engine.connect() as conn:
        found = {r.webhook_id: (r.status, r.attempts) for r in await conn.execute(select(deliveries))}
    await engine.dispose()
    return found


def installed(*args):
    """The installed `pathways` command (slow to start: it loads every service's subcommands)."""
    return subprocess.run([PATHWAYS, "deliveries", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def pathways(capsys):
    """The same dispatcher in this process: (returncode, stdout, stderr)."""
    def run(*args):
        code = main(["deliveries", *args])
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)
    return run


def test_list_and_replay_dead_deliveries(db_url, pathways):
    dead_a, dead_b, delivered, pending = asyncio.run(_seed(db_url))
    listed = installed("list", "--status", "dead", "--database-url", db_url)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted(r["webhook_id"] for r in rows) == sorted([dead_a, dead_b])
    assert rows[0]["last_error"] == "HTTP 500" and "persons" not in rows[0]

    one = pathways("replay", dead_a, "--database-url", db_url)
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout) == {"webhook_id": dead_a, "status": "pending"}
    assert asyncio.run(_states(db_url))[dead_a] == ("pending", 0)

    not_dead = pathways("replay", delivered, "--database-url", db_url)
    assert not_dead.returncode == 1
    assert not_dead.stderr == f"{delivered}: it is delivered; only a dead-lettered delivery is replayed\n"
    unknown = pathways("replay", "no-such-id", "--database-url", db_url)
    assert (unknown.returncode, unknown.stderr) == (1, "no-such-id: no delivery with that id\n")

    every = pathways("replay", "--all-dead", "--database-url", db_url)
    assert every.returncode == 0 and [json.loads(x)["webhook_id"] for x in every.stdout.splitlines()] == [dead_b]
    assert asyncio.run(_states(db_url)) == {dead_a: ("pending", 0), dead_b: ("pending", 0),
                                             delivered: ("delivered", 1), pending: ("pending", 1)}


def test_a_database_without_deliveries_is_reported(tmp_path, pathways):
    result = pathways("list", "--database-url", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode == 2 and "cannot read the deliveries table" in result.stderr


def test_listing_a_provider_not_in_the_rulebook_is_refused(db_url, pathways):
    asyncio.run(_seed(db_url))
    wrong = pathways("list", "--provider", "popz", "--database-url", db_url)
    assert (wrong.returncode, wrong.stdout) == (2, "")
    assert wrong.stderr == ("pathways deliveries list: no provider 'popz'; "
                            "the providers are magistra, moms, pops, shelter, tmuk\n")
    listed = pathways("list", "--provider", "pops", "--database-url", db_url)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 4
