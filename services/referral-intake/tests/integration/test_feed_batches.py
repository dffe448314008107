"""Feeding caseload exports into the intake database: every case applied once, changes updated
and announced, bad rows quarantined and later settled, and every row read accounted for."""
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pathways_intake.adapters.tables import feed_batch_cases, feed_batches, feed_rejections, referrals
from pathways_intake.domain.case_key import case_referral_id
from pathways_intake.feed import resubmission
from pathways_intake.feed.format import ExportFormat
from pathways_intake.feed.generator import write_export
from pathways_intake.feed.rows import ExportContext
from pathways_intake.feed.service import CaseloadFeed
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox

from ..conftest import PSEUDONYM_KEY

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "probation" / "caseload-example.csv"
EXPORTED = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
KEY = PSEUDONYM_KEY.encode()


def example_rows() -> list[dict]:
    with EXAMPLE.open(newline="") as handle:
        return list(csv.DictReader(handle))


def as_csv(rows: list[dict], columns=None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def feed(intake, data: bytes, fmt=ExportFormat.csv, *, chunk_rows=500, exported_at=EXPORTED):
    return await CaseloadFeed(intake.service, chunk_rows).feed(
        io.BytesIO(data), fmt, ExportContext(exported_at, "Probation Service North West", KEY), source_name="export")


async def events(intake) -> list:
    async with intake.engine.connect() as conn:
        return [decode_event(r.payload) for r in await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))]


async def rejections(intake, batch_id) -> dict:
    async with intake.engine.connect() as conn:
        rows = await conn.execute(select(feed_rejections).where(feed_rejections.c.batch_id == batch_id))
        return {r.line: r for r in rows}


def fields(rejection) -> set[tuple[str, str]]:
    return {(p["field"], p["type"]) for p in rejection.problems}


async def test_the_example_export_creates_its_cases_and_quarantines_its_two_bad_rows(api):
    _, intake = api
    summary = await feed(intake, EXAMPLE.read_bytes())
    assert (summary.rows_read, summary.created, summary.rejected, summary.status) == (12, 10, 2, "completed")
    quarantined = await rejections(intake, summary.batch_id)
    assert fields(quarantined[7]) == {("stage", "enum")} and "X900006" in quarantined[7].raw
    assert fields(quarantined[12]) == {("fm2_carer_ref", "unknown_carer_ref")}
    assert {r.status for r in quarantined.values()} == {"open"}
    revision, document = await intake.service.referral_document(case_referral_id("X900001", KEY))
    assert revision == 1 and document["referred_at"].startswith("2026-11-02T06:00")
    assert document["source"] == {"type": "probation_auto_feed", "organisation": "Probation Service North West"}
    announced = await events(intake)
    assert [e.eventType for e in announced] == [EventType.referral_submitted] * 10
    assert "Liam" not in "".join(e.model_dump_json() for e in announced)


async def test_feeding_the_same_cases_again_changes_nothing_whichever_the_format(api):
    _, intake = api
    for fmt in ExportFormat:
        out = io.StringIO(newline="")
        write_export(out, 60, seed=5, fmt=fmt)
        later = EXPORTED.replace(day=9) if fmt is ExportFormat.jsonl else EXPORTED
        summary = await feed(intake, out.getvalue().encode(), fmt, chunk_rows=25, exported_at=later)
        expected = (60, 0, 0) if fmt is ExportFormat.csv else (0, 0, 60)
        assert (summary.created, summary.updated, summary.unchanged) == expected, fmt
    assert len(await events(intake)) == 60, "nothing new was announced"


async def test_a_changed_case_is_updated_and_announced_with_its_changed_fields(api):
    _, intake = api
    rows = example_rows()
    await feed(intake, as_csv(rows))
    released = {"X900002": {"stage": "approved_premises", "release_date": "2026-11-20"},
                "X900003": {"consent_to_contact_family": "granted"},
                "X900004": {"address": "Flat 2, 10 Example Road, Wirral"}}
    changed = [{**row, "address": "", **released.get(row["crn"], {})} for row in rows]
    summary = await feed(intake, as_csv(changed, list(rows[0]) + ["address"]), exported_at=EXPORTED.replace(day=20))
    assert (summary.created, summary.updated, summary.unchanged, summary.rejected) == (0, 3, 7, 2)
    assert summary.changed_fields == {"index_person.stage": 1, "index_person.release_date": 1,
                                      "index_person.consent_to_contact_family": 1, "index_person.contact": 1}
    updates = [e for e in await events(intake) if e.eventType == EventType.referral_updated]
    by_case = {e.referralId: e.additionalInformation for e in updates}
    moved = by_case[case_referral_id("X900002", KEY)]
    assert moved["changed_fields"] == ["index_person.release_date", "index_person.stage"]
    assert moved["cause"] == "caseload_export" and moved["revision"] == 2
    assert moved["routing_view"]["index_person"]["stage"] == "approved_premises"
    assert moved["routing_view"]["referred_at"].startswith("2026-11-02"), "the case keeps its first referral date"
    async with intake.engine.connect() as conn:
        lines = await conn.execute(select(feed_batch_cases.c.line, feed_batch_cases.c.changed_fields).where(
            feed_batch_cases.c.batch_id == summary.batch_id, feed_batch_cases.c.outcome == "updated"))
        assert dict(lines.all())[3] == ["index_person.release_date", "index_person.stage"]


async def test_a_crn_repeated_in_the_file_is_quarantined_after_its_first_row(api):
    _, intake = api
    rows = example_rows()
    again = dict(rows[1], stage="custody")            # X900002 again, line 14: its first row is applied
    bad_again = dict(rows[5], stage="custody")        # X900006 again, line 15: its first row was bad
    summary = await feed(intake, as_csv(rows + [again, bad_again]), chunk_rows=2)
    assert (summary.rows_read, summary.created, summary.rejected) == (14, 10, 4)
    quarantined = await rejections(intake, summary.batch_id)
    assert fields(quarantined[14]) == {("crn", "duplicate_crn")} and "line 3" in quarantined[14].problems[0]["reason"]
    assert fields(quarantined[15]) == {("crn", "duplicate_crn")} and "line 7" in quarantined[15].problems[0]["reason"]
    _, document = await intake.service.referral_document(case_referral_id("X900002", KEY))
    assert document["index_person"]["stage"] == "licence", "the first row is the one applied"


async def test_every_row_read_is_applied_or_quarantined_and_the_summary_adds_up(api):
    _, intake = api
    out = io.StringIO(newline="")
    write_export(out, 90, seed=8, bad_every=7)
    lines = out.getvalue().splitlines(keepends=True)
    data = "".join(lines + lines[10:15] + ["not,a,row\n"]).encode()   # 5 repeated CRNs and a malformed line
    summary = await feed(intake, data, chunk_rows=16)
    assert summary.rows_read == 96 and summary.rejected == 12 + 5 + 1
    assert summary.rows_read == summary.created + summary.updated + summary.unchanged + summary.rejected
    async with intake.engine.connect() as conn:
        applied = set((await conn.execute(select(feed_batch_cases.c.line).where(
            feed_batch_cases.c.batch_id == summary.batch_id, feed_batch_cases.c.outcome != "rejected"))).scalars())
        held = set((await conn.execute(select(feed_rejections.c.line).where(
            feed_rejections.c.batch_id == summary.batch_id))).scalars())
        stored = (await conn.execute(select(func.count()).select_from(referrals))).scalar_one()
        saved = (await conn.execute(select(feed_batches.c.summary))).scalar_one()
    assert applied.isdisjoint(held) and applied | held == set(range(2, 98)), "every line is in exactly one place"
    assert stored == summary.created == 90 - 12
    assert saved["rows_read"] == 96 and saved["rejected"] == 18


async def test_rows_that_cannot_be_read_are_kept_as_read_whatever_they_hold(api):
    _, intake = api
    lines = EXAMPLE.read_bytes().splitlines(keepends=True)
    data = b"".join([lines[0], lines[1], b"X900099,\x00,Sam\n", *lines[2:4], b'X900098,"Sam,left open\n'])
    summary = await feed(intake, data)
    assert (summary.rows_read, summary.created, summary.rejected) == (5, 3, 2)
    kept = await rejections(intake, summary.batch_id)
    assert {line: fields(r) for line, r in kept.items()} == {3: {("(row)", "malformed_csv")},
                                                            6: {("(row)", "malformed_csv")}}
    assert kept[3].raw == "X900099,\ufffd,Sam\n" and kept[6].raw == 'X900098,"Sam,left open\n'


async def test_a_corrected_export_settles_the_earlier_rejection_of_the_case(api):
    _, intake = api
    rows = example_rows()
    first = await feed(intake, as_csv(rows))
    rows[5]["stage"] = "custody"
    second = await feed(intake, as_csv(rows), exported_at=EXPORTED.replace(day=3))
    assert (second.created, second.unchanged, second.rejected) == (1, 10, 1)
    earlier = await rejections(intake, first.batch_id)
    assert earlier[7].status == "resubmitted" and earlier[7].settled_by == str(second.batch_id)
    assert earlier[12].status == "open", "the carer row is still wrong"
    assert (await rejections(intake, second.batch_id))[12].status == "open"


async def test_a_corrected_row_sent_for_its_line_is_applied_and_settles_it(api):
    _, intake = api
    summary = await feed(intake, EXAMPLE.read_bytes())
    row = {k: v for k, v in example_rows()[10].items() if v}
    still_wrong = await resubmission.resubmit(intake.service, summary.batch_id, 12, dict(row, risk_band="high"))
    assert still_wrong.status == "open" and ("risk_band", "unknown_column") in fields(still_wrong)
    done = await resubmission.resubmit(intake.service, summary.batch_id, 12, dict(row, fm2_carer_ref="p1"))
    assert done.status == "resubmitted" and done.applied.outcome == "created"
    assert done.applied.referral_id == case_referral_id("X900011", KEY)
    assert (await rejections(intake, summary.batch_id))[12].status == "resubmitted"
    assert await resubmission.resolve(intake.service, summary.batch_id, 7) == "resolved"
    assert await resubmission.resolve(intake.service, summary.batch_id, 12) == "resubmitted"
    with pytest.raises(resubmission.RejectionNotFound):
        await resubmission.resubmit(intake.service, summary.batch_id, 2, row)
    with pytest.raises(resubmission.RejectionSettled, match="line 7 is already resolved"):
        await resubmission.resubmit(intake.service, summary.batch_id, 7, dict(example_rows()[5], stage="custody"))
    assert (await rejections(intake, summary.batch_id))[7].status == "resolved"


async def test_a_rejection_that_named_no_case_is_settled_only_for_its_line(api):
    """Without a usable CRN a rejected row names no case, so no later row can be matched to it."""
    _, intake = api
    rows = example_rows()
    bad_crn = dict(rows[1], crn="X90002")                       # line 2
    first = await feed(intake, as_csv([bad_crn, *rows[2:4]]) + b"X900005,too,few\n")   # line 5: malformed
    kept = await rejections(intake, first.batch_id)
    assert {line: fields(r) for line, r in kept.items()} == {2: {("crn", "crn_format")},
                                                            5: {("(row)", "malformed_csv")}}
    assert {r.referral_id for r in kept.values()} == {None}
    corrected = await feed(intake, as_csv(rows), exported_at=EXPORTED.replace(day=3))
    assert corrected.created == 10 - 2
    assert {r.status for r in (await rejections(intake, first.batch_id)).values()} == {"open"}
    done = await resubmission.resubmit(intake.service, first.batch_id, 2, {k: v for k, v in rows[1].items() if v})
    assert (done.status, done.applied.outcome) == ("resubmitted", "unchanged"), "any case will do for it"
    assert await resubmission.resolve(intake.service, first.batch_id, 5) == "resolved"


async def test_a_corrected_row_for_another_case_than_its_line_named_changes_nothing(api):
    _, intake = api
    summary = await feed(intake, EXAMPLE.read_bytes())
    row = dict({k: v for k, v in example_rows()[10].items() if v}, fm2_carer_ref="p1")
    other = await resubmission.resubmit(intake.service, summary.batch_id, 12, dict(row, crn="Z999999"))
    assert other.status == "open" and fields(other) == {("crn", "other_case")} and other.applied is None
    assert str(case_referral_id("X900011", KEY)) in other.problems[0]["reason"]
    async with intake.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(referrals))).scalar_one() == 10
    assert (await rejections(intake, summary.batch_id))[12].status == "open"


async def test_a_file_that_cannot_describe_a_case_is_refused_and_nothing_is_applied(api):
    _, intake = api
    rows = [{k: v for k, v in row.items() if k != "sex"} for row in example_rows()]
    summary = await feed(intake, as_csv(rows))
    assert summary.status == "refused" and summary.rows_read == 0
    assert [(p["field"], p["type"]) for p in summary.file_problems] == [("sex", "missing_column")]
    async with intake.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(referrals))).scalar_one() == 0
        assert (await conn.execute(select(feed_batches.c.status))).scalar_one() == "refused"
