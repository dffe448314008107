"""The probation caseload feed with every service running: an export fed over HTTP creates its
cases and the router routes them; the same export again changes nothing; a row whose case
changed updates it, the router routes it again, and the ledger records which fields changed."""
from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

import e2e_progress as progress
from pathways_intake.domain.case_key import case_referral_id

pytestmark = pytest.mark.e2e

EXPORT = Path(__file__).resolve().parents[2] / "examples" / "probation" / "caseload-example.csv"
UPDATED = "pathways.referral.updated"
SETTLE_S = 90
GRACE_S = 1.5  # after settling: time for anything the repeated export wrongly caused to show up
# X900001 has been released: in custody until 2027-01-20 in the example, on licence since 2026-11-20 now.
IN_CUSTODY, RELEASED = ",custody,2027-01-20,", ",licence,2026-11-20,"


def fed(client: httpx.Client, export: bytes) -> dict:
    response = client.post("/v1/probation/caseload", files={"file": (EXPORT.name, export, "text/csv")},
                           params={"exported_at": "2026-11-02T06:00:00Z"})
    assert response.status_code == 200, response.text
    return response.json()


def counts(summary: dict) -> tuple:
    return tuple(summary[k] for k in ("rows_read", "created", "updated", "unchanged", "rejected"))


def test_a_changed_case_is_routed_again_and_the_ledger_records_what_changed(launch):
    platform = launch()
    export = EXPORT.read_bytes()
    line = next(row for row in export.decode().splitlines() if row.startswith("X900001,"))
    assert export.count(IN_CUSTODY.encode()) == 1 and IN_CUSTODY in line
    referral_id = str(case_referral_id("X900001", platform.stack.secrets["pseudonym_key"].encode()))

    with httpx.Client(base_url=platform.intake, timeout=30, headers=platform.stack.headers()) as client:
        assert counts(fed(client, export)) == (12, 10, 0, 0, 2)

        def recorded(want: dict[str, int], revision: int) -> tuple[dict, list]:
            return progress.until_routed(client, platform.stack.urls, referral_id, revision, want, SETTLE_S)

        recorded({progress.SUBMITTED: 1, progress.ROUTED: 1}, 1)
        again = fed(client, export)
        assert counts(again) == (12, 0, 0, 10, 2) and again["changed_fields"] == {}
        time.sleep(GRACE_S)
        _, trail = progress.snapshot(client, platform.stack.urls, referral_id)
        assert [e["event_type"] for e in trail].count(progress.ROUTED) == 1, "the same export routes nothing again"

        changed = fed(client, export.replace(IN_CUSTODY.encode(), RELEASED.encode()))
        assert counts(changed) == (12, 0, 1, 9, 2)
        assert changed["changed_fields"] == {"index_person.release_date": 1, "index_person.stage": 1}
        status, trail = recorded({progress.SUBMITTED: 1, UPDATED: 1, progress.ROUTED: 2}, 2)

    types = [e["event_type"] for e in trail]
    assert (types.count(progress.SUBMITTED), types.count(UPDATED), types.count(progress.ROUTED)) == (1, 1, 2)
    [update] = [e["payload"]["additionalInformation"] for e in trail if e["event_type"] == UPDATED]
    assert (update["revision"], update["cause"], update["changed_fields"]) == (
        2, "caseload_export", ["index_person.release_date", "index_person.stage"])
    assert "X900001" not in str(trail) and "Garside" not in str(trail), "the ledger holds no identifier or name"
    routed = [e["payload"]["additionalInformation"] for e in trail if e["event_type"] == progress.ROUTED]
    assert [r["revision"] for r in routed] == [1, 2]
    assert status["revision"] == 2
    verify = progress.pathways("ledger", "verify", "--database-url", platform.stack.database_url("ledger"))
    assert verify.returncode == 0, verify.stdout + verify.stderr
