"""Every reason the caseload feed can give, end to end on both databases: each bad row quarantined
with its exact line, field and type while the good rows around it are applied, and each file that
cannot be read refused with its problem."""
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pathways_intake.adapters.tables import feed_rejections, referral_persons, referrals
from pathways_intake.feed.format import ExportFormat
from pathways_intake.feed.lines import MAX_RECORD_CHARS
from pathways_intake.feed.rows import ExportContext
from pathways_intake.feed.service import CaseloadFeed
from pathways_shared.jsonsafe import MAX_DEPTH

from ..conftest import PSEUDONYM_KEY

pytestmark = pytest.mark.integration
EXPORTED = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
COLUMNS = ["crn", "given_name", "date_of_birth", "sex", "local_authority", "email", "stage", "release_date",
           "establishment", "organisation", "offence_violent", "fm1_person_ref", "fm1_relationship",
           "fm1_age_years", "fm1_sex", "fm1_local_authority", "fm2_person_ref", "fm2_relationship",
           "fm2_age_years", "fm2_sex", "fm2_local_authority", "fm2_carer_ref"]
ROW = {"given_name": "Sam", "date_of_birth": "2004-06-14", "sex": "male", "local_authority": "liverpool",
       "stage": "custody", "fm1_person_ref": "m1", "fm1_relationship": "mother", "fm1_age_years": "47",
       "fm1_sex": "female", "fm1_local_authority": "liverpool"}
SECOND = {"fm2_relationship": "child", "fm2_age_years": "7", "fm2_sex": "male", "fm2_local_authority": "liverpool"}
# A row changed so → the one problem it must be quarantined with (CSV: fields named by column).
CSV_ROWS = [
    ({"stage": ""}, "stage", "missing"),
    ({"crn": ""}, "crn", "missing"),
    ({"crn": "X91"}, "crn", "crn_format"),
    ({"stage": "prison"}, "stage", "enum"),
    ({"date_of_birth": "14/06/2004"}, "date_of_birth", "date_format"),
    ({"release_date": "2026-02-30"}, "release_date", "date_parsing"),
    ({"date_of_birth": ""}, "date_of_birth", "age_missing"),
    ({"date_of_birth": "2026-11-03"}, "date_of_birth", "born_after_referral"),
    ({**SECOND, "fm2_person_ref": "m1"}, "fm2_person_ref", "duplicate_person_ref"),
    ({**SECOND, "fm2_person_ref": "c1", "fm2_carer_ref": "m9"}, "fm2_carer_ref", "unknown_carer_ref"),
    ({"given_name": "x" * 201}, "given_name", "string_too_long"),
    ({"offence_violent": "maybe"}, "offence_violent", "bool_parsing"),
    ({"fm1_age_years": "seven"}, "fm1_age_years", "int_parsing"),
    ({"fm1_age_years": "121"}, "fm1_age_years", "less_than_equal"),
    ({"email": "sam@"}, "email", "email"),
    ({"fm1_person_ref": "m\x001"}, "fm1_person_ref", "control_character"),
    ({"establishment": "L\x00PI"}, "establishment", "control_character"),
    ({"organisation": "Probation\tNorth West"}, "organisation", "control_character"),
]


def crn(n: int) -> str:
    return f"X91{n:04d}"


def csv_line(row: dict) -> bytes:
    return (",".join(f'"{v}"' if "," in v else v for v in (row.get(c, "") for c in COLUMNS)) + "\n").encode()


async def feed(intake, data: bytes, fmt=ExportFormat.csv):
    context = ExportContext(EXPORTED, "Probation Service North West", PSEUDONYM_KEY.encode())
    return await CaseloadFeed(intake.service, chunk_rows=7).feed(io.BytesIO(data), fmt, context, source_name="t")


async def quarantined(intake, batch_id) -> dict[int, set[tuple[str, str]]]:
    async with intake.engine.connect() as conn:
        rows = await conn.execute(select(feed_rejections).where(feed_rejections.c.batch_id == batch_id))
        return {r.line: {(p["field"], p["type"]) for p in r.problems} for r in rows}


async def test_each_reason_a_csv_row_is_refused_is_quarantined_with_its_line_and_field(api):
    _, intake = api
    lines = [",".join(COLUMNS).encode() + b"\n", csv_line({**ROW, "crn": crn(0)})]
    expected = {}
    for n, (change, field, kind) in enumerate(CSV_ROWS, start=1):
        lines.append(csv_line({**ROW, "crn": crn(n), **change}))
        expected[len(lines)] = {(field, kind)}
    unreadable = [(b"X919990,too,few\n", "malformed_csv"), (b'X919991,"Sam"x' + b"," * 21 + b"\n", "malformed_csv"),
                  (csv_line({**ROW, "crn": crn(991)}).replace(b"Sam", "Séb".encode("latin-1")), "encoding"),
                  (csv_line({**ROW, "crn": crn(992), "given_name": "x" * MAX_RECORD_CHARS}), "record_too_long")]
    for line, kind in unreadable:
        lines.append(line)
        expected[len(lines)] = {("(row)", kind)}
    lines += [csv_line({**ROW, "crn": crn(0)}), csv_line({**ROW, "crn": crn(999)})]
    expected[len(lines) - 1] = {("crn", "duplicate_crn")}
    summary = await feed(intake, b"".join(lines))
    assert (summary.status, summary.created, summary.rejected) == ("completed", 2, len(expected))
    assert await quarantined(intake, summary.batch_id) == expected


def jsonl(n: int, **changes) -> dict:
    mother = {"person_ref": "m1", "relationship": "mother", "age_years": 47, "sex": "female",
              "local_authority": "liverpool"}
    return {"crn": crn(n), "given_name": "Sam", "date_of_birth": "2004-06-14", "sex": "male",
            "local_authority": "liverpool", "stage": "custody", "family_members": [mother], **changes}


async def test_each_reason_a_jsonl_line_is_refused_is_quarantined_with_its_line_and_field(api):
    _, intake = api
    mother = jsonl(0)["family_members"][0]
    rows = [  # the object (or the line's text) → the problem it must be quarantined with
        (jsonl(0), None),
        (jsonl(1, release_date=1798761600), ("release_date", "date_format")),
        (jsonl(2, date_of_birth=946684800), ("date_of_birth", "date_format")),
        (jsonl(3, family_members=[{**mother, "age_years": None, "date_of_birth": 0}]),
         ("family_members[0].date_of_birth", "date_format")),
        (jsonl(4, date_of_birth=None, age_years=True), ("age_years", "int_type")),
        (jsonl(5, family_members=[{**mother, "person_ref": "m\x001"}]),
         ("family_members[0].person_ref", "control_character")),
        (jsonl(6, family_members=[mother, {**mother, "relationship": "sibling"}]),
         ("family_members[1].person_ref", "duplicate_person_ref")),
        (jsonl(7, date_of_birth="2026-11-03"), ("date_of_birth", "born_after_referral")),
        (jsonl(8, risk_band="high"), ("risk_band", "extra_forbidden")),
        (jsonl(9, person_ref="ix"), ("person_ref", "set_by_feed")),
        (jsonl(10, crn="X91"), ("crn", "crn_format")),
        ("{not json", ("(row)", "invalid_json")),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), ("(row)", "invalid_json")),
        ("[1, 2]", ("(row)", "not_an_object")),
        (json.dumps(jsonl(14)).replace('"crn": ', '"crn": "X123456", "crn": ', 1), ("(row)", "repeated_name")),
        (json.dumps(jsonl(11, given_name="Séb"), ensure_ascii=False).encode("latin-1"), ("(row)", "encoding")),
        (jsonl(12, address="x" * MAX_RECORD_CHARS), ("(row)", "record_too_long")),
        (jsonl(0), ("crn", "duplicate_crn")),
        (jsonl(13), None),
    ]
    data = b"".join((r if isinstance(r, bytes) else (r if isinstance(r, str) else json.dumps(r)).encode()) + b"\n"
                    for r, _ in rows)
    summary = await feed(intake, data, ExportFormat.jsonl)
    expected = {line: {problem} for line, (_, problem) in enumerate(rows, start=1) if problem}
    assert (summary.status, summary.created, summary.rejected) == ("completed", 2, len(expected))
    assert await quarantined(intake, summary.batch_id) == expected
    too_deep = await _problems(intake, summary.batch_id, 13)
    assert "nested more than" in too_deep[0]["reason"]


async def _problems(intake, batch_id, line: int) -> list[dict]:
    async with intake.engine.connect() as conn:
        return (await conn.execute(select(feed_rejections.c.problems).where(
            feed_rejections.c.batch_id == batch_id, feed_rejections.c.line == line))).scalar_one()


HEADER = "crn,sex,local_authority,stage,age_years"
ONE_ROW = "X910001,male,liverpool,custody,30\n"


@pytest.mark.parametrize("fmt, data, status, expected", [
    ("csv", b"", "refused", [("(header)", "empty_export")]),
    ("csv", b'crn,"sex"x,local_authority,stage\n', "refused", [("(header)", "malformed_header")]),
    ("csv", b"crn,sex,local_authority,age_years\n", "refused", [("stage", "missing_column")]),
    ("csv", f"{HEADER}, CRN\n".encode(), "refused", [("crn", "duplicate_column")]),
    ("csv", f"{HEADER},risk_band\n{ONE_ROW[:-1]},high\n".encode(), "completed", [("risk_band", "unknown_column")]),
    ("csv", f"CRN , Sex,LOCAL_AUTHORITY,\"stage\",age_years,,\n{ONE_ROW[:-1]},,\n".encode(), "completed",
     [("(column 6)", "unknown_column"), ("(column 7)", "unknown_column")]),
    ("csv", f"{HEADER}\n{ONE_ROW}".encode("utf-16"), "refused", [("(file)", "encoding")]),
    ("jsonl", (json.dumps(jsonl(1)) + "\n").encode("utf-16"), "refused", [("(file)", "encoding")]),
    ("jsonl", b"", "refused", [("(file)", "empty_export")]),
    ("jsonl", b"\n  \r\n\n", "refused", [("(file)", "empty_export")]),
], ids=["empty", "header_unreadable", "missing", "named_twice", "unknown", "unnamed", "utf16_csv", "utf16_jsonl",
        "empty_jsonl", "blank_jsonl"])
async def test_a_file_problem_is_named_and_a_file_that_cannot_be_read_is_refused(api, fmt, data, status, expected):
    _, intake = api
    summary = await feed(intake, data, ExportFormat(fmt))
    assert summary.status == status
    assert [(p["field"], p["type"]) for p in summary.file_problems] == expected
    assert summary.created == (1 if status == "completed" else 0) and summary.rejected == 0


async def test_jsonl_line_numbers_count_leading_blank_lines(api):
    _, intake = api
    data = b"\n\n" + (json.dumps(jsonl(7)) + "\n").encode() + b"{oops\n"
    summary = await feed(intake, data, ExportFormat.jsonl)
    assert (summary.status, summary.created, summary.rejected) == ("completed", 1, 1)
    assert list(await quarantined(intake, summary.batch_id)) == [4]


async def test_a_nul_in_a_family_members_person_ref_is_quarantined_and_the_other_rows_applied(api):
    """PostgreSQL text cannot hold a NUL: such a row once failed the whole batch there."""
    _, intake = api
    csv = b"".join([",".join(COLUMNS).encode() + b"\n", csv_line({**ROW, "crn": crn(1)}),
                    csv_line({**ROW, "crn": crn(2), "fm1_person_ref": "m\x001"}), csv_line({**ROW, "crn": crn(3)})])
    lines = [jsonl(4), jsonl(5, family_members=[{**jsonl(0)["family_members"][0], "person_ref": "m\x001"}]), jsonl(6)]
    for data, fmt, field in [(csv, ExportFormat.csv, "fm1_person_ref"),
                             ("".join(json.dumps(o) + "\n" for o in lines).encode(), ExportFormat.jsonl,
                              "family_members[0].person_ref")]:
        summary = await feed(intake, data, fmt)
        assert (summary.status, summary.created, summary.rejected) == ("completed", 2, 1)
        [(line, problems)] = (await quarantined(intake, summary.batch_id)).items()
        assert (line, problems) == (3 if fmt is ExportFormat.csv else 2, {(field, "control_character")})
    async with intake.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(referrals))).scalar_one() == 4
        refs = set((await conn.execute(select(referral_persons.c.person_ref))).scalars())
    assert refs == {"ix", "m1"}


@pytest.mark.parametrize("path", [("index_person", "person_ref"), ("family_members", 0, "person_ref"),
                                  ("index_person", "establishment"), ("source", "organisation")])
async def test_a_submission_with_a_control_character_in_a_clear_field_is_refused_naming_it(api, referral, path):
    """The submission API reads the same contract: a 422 naming the field, never a 500."""
    client, intake = api
    holder = referral
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = holder[path[-1]][:1] + "\x00" + holder[path[-1]][1:]
    response = await client.post("/v1/referrals", json=referral)
    assert response.status_code == 422
    named = ".".join(str(p) for p in path).replace(".0.", "[0].")
    assert (named, "control_character") in {(p["path"], p["type"]) for p in response.json()["problems"]}
    async with intake.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(referrals))).scalar_one() == 0
