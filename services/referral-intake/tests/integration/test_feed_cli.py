"""`pathways feed probation` end to end: a file on disk fed straight into the intake database,
the summary printed and the rejection reports written; `pathways feed generate` writes exports.
The first test runs the installed command in its own process; the others call it in this one."""
import asyncio
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pathways_intake.adapters.tables import feed_batches, referrals
from pathways_intake.bootstrap import create_schema
from pathways_shared.cli import main
from pathways_shared.db import make_engine

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "probation" / "caseload-example.csv"
SECRETS = {"PSEUDONYM_KEY": "test-pseudonym-key-0123456789", "MASTER_KEY": "bWFzdGVyLWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU="}


def pathways(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", *SECRETS)}
    return subprocess.run([sys.executable, "-m", "pathways_shared.cli", *args], capture_output=True, text=True,
                          env={**clean, **(SECRETS if env is None else env)}, timeout=120)


async def count_referrals(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(referrals))).scalar_one()
    finally:
        await engine.dispose()


async def test_an_export_is_fed_from_a_file_and_its_rejections_are_written(db_url, tmp_path):
    export = shutil.copy(EXAMPLE, tmp_path / "caseload.csv")
    reports = tmp_path / "reports"
    feed = ["feed", "probation", str(export), "--database-url", db_url, "--report-dir", str(reports),
            "--organisation", "Probation Service North West", "--exported-at", "2026-11-02T06:00:00Z"]
    first = pathways(*feed)
    assert first.returncode == 1, first.stderr  # done, but two rows need someone to look at them
    assert "rows read 12 = created 10 + updated 0 + unchanged 0 + rejected 2" in first.stdout
    with (reports / "rejections.csv").open(newline="") as handle:
        assert [(r["line"], r["field"]) for r in csv.DictReader(handle)] == [("7", "stage"), ("12", "fm2_carer_ref")]
    rejections = json.loads((reports / "rejections.json").read_text())
    assert [r["line"] for r in rejections["rejections"]] == [7, 12]
    assert "Dean" not in (reports / "rejections.csv").read_text() + first.stdout

    again = pathways(*feed, "--json")
    summary = json.loads(again.stdout)
    assert (summary["created"], summary["unchanged"], summary["rejected"]) == (0, 10, 2)
    assert await count_referrals(db_url) == 10


async def stored(db_url: str) -> tuple[int, int]:
    """(batches, referrals) in the database, its tables made first as a feed would make them."""
    engine = make_engine(db_url)
    try:
        await create_schema(engine)
        async with engine.connect() as conn:
            return tuple([(await conn.execute(select(func.count()).select_from(table))).scalar_one()
                          for table in (feed_batches, referrals)])
    finally:
        await engine.dispose()


@pytest.fixture
def secrets(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def test_a_generated_export_is_fed_whole(db_url, tmp_path, monkeypatch, capsys):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "generated.jsonl"
    assert main(["feed", "generate", "--rows", "120", "--seed", "3", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 120
    capsys.readouterr()
    fed = main(["feed", "probation", str(out), "--database-url", db_url, "--report-dir", str(tmp_path), "--json"])
    assert fed == 0 and json.loads(capsys.readouterr().out)["created"] == 120
    assert asyncio.run(count_referrals(db_url)) == 120


def test_it_will_not_run_without_the_intakes_settings_or_on_a_refused_file(sqlite_url, tmp_path, monkeypatch,
                                                                           capsys):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    assert main(["feed", "probation", str(EXAMPLE), "--database-url", sqlite_url]) == 2
    assert "pseudonym_key" in capsys.readouterr().err
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    refused_file = tmp_path / "wrong.csv"
    refused_file.write_text("crn,given_name\nX900001,Sam\n")
    assert main(["feed", "probation", str(refused_file), "--database-url", sqlite_url,
                 "--report-dir", str(tmp_path)]) == 2
    assert "file problem: stage" in capsys.readouterr().out


def test_an_organisation_too_long_to_keep_is_refused_before_anything_is_fed(db_url, tmp_path, secrets, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["feed", "probation", str(EXAMPLE), "--database-url", db_url, "--report-dir", str(tmp_path),
              "--organisation", "O" * 201])
    assert refused.value.code == 2
    assert "argument --organisation: the organisation is 201 characters long; at most 200" in capsys.readouterr().err
    assert asyncio.run(stored(db_url)) == (0, 0)
    assert main(["feed", "probation", str(EXAMPLE), "--database-url", db_url, "--report-dir", str(tmp_path),
                 "--organisation", " " + "O" * 200 + " "]) == 1, "200 characters, spaces aside, are taken"


def test_a_directory_is_not_taken_for_an_export(sqlite_url, tmp_path, secrets, capsys):
    assert main(["feed", "probation", str(tmp_path), "--database-url", sqlite_url]) == 2
    assert capsys.readouterr().err == f"pathways feed: not a file (a directory): {tmp_path}\n"


def test_a_report_dir_that_cannot_be_written_is_found_before_anything_is_fed(db_url, tmp_path, secrets, capsys):
    (tmp_path / "afile").write_text("not a directory")
    unwritable = tmp_path / "afile" / "sub"
    assert main(["feed", "probation", str(EXAMPLE), "--database-url", db_url, "--report-dir", str(unwritable)]) == 2
    printed = capsys.readouterr()
    assert f"--report-dir {unwritable}: no report can be written there" in printed.err
    assert "nothing was fed" in printed.err and "Traceback" not in printed.err + printed.out
    assert asyncio.run(stored(db_url)) == (0, 0)


def test_reports_that_fail_to_be_written_after_feeding_leave_the_summary_told(db_url, tmp_path, secrets, capsys):
    reports = tmp_path / "reports"
    (reports / "rejections.json").mkdir(parents=True)   # the directory is writable; this one report is not
    assert main(["feed", "probation", str(EXAMPLE), "--database-url", db_url, "--report-dir", str(reports)]) == 2
    printed = capsys.readouterr()
    assert "rows read 12 = created 10 + updated 0 + unchanged 0 + rejected 2" in printed.out
    batch_id = printed.out.split()[1]
    assert f"batch {batch_id} was fed (completed), but its reports could not be written to {reports}" in printed.err
    assert f"/v1/probation/batches/{batch_id}/rejections" in printed.err
    assert asyncio.run(stored(db_url)) == (1, 10), "the batch stands"


async def _made_with(db_url: str, *statements: str) -> None:
    """The intake's tables, then these statements (a trigger that makes writing a referral fail)."""
    engine = make_engine(db_url)
    try:
        await create_schema(engine)
        async with engine.begin() as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)
    finally:
        await engine.dispose()


# A database that refuses any referral past the first five, as a full disk would mid-feed.
FILLS_UP_AFTER_FIVE = ("CREATE TRIGGER fill_up AFTER INSERT ON referrals WHEN (SELECT count(*) FROM referrals) > 5 "
                       "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")


def test_a_database_failing_mid_feed_is_told_plainly_and_the_chunks_before_it_stand(sqlite_url, tmp_path,
                                                                                    secrets, capsys):
    asyncio.run(_made_with(sqlite_url, FILLS_UP_AFTER_FIVE))
    fed = main(["feed", "probation", str(EXAMPLE), "--database-url", sqlite_url, "--report-dir", str(tmp_path),
                "--batch-size", "6"])
    printed = capsys.readouterr()
    assert fed == 2
    assert printed.err.strip() == ("pathways feed: the intake database failed: database or disk is full. The "
                                   "chunks committed before it stand; feeding the same export again finishes the job")
    assert printed.out == ""
    assert asyncio.run(stored(sqlite_url)) == (1, 5), "the first chunk's five cases stand, and the batch is kept"


def test_a_database_that_cannot_be_opened_is_told_plainly(tmp_path):
    missing = f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'intake.db'}"
    told = pathways("feed", "probation", str(EXAMPLE), "--database-url", missing, "--report-dir", str(tmp_path))
    assert told.returncode == 2 and told.stdout == ""
    assert told.stderr == ("pathways feed: the intake database failed: unable to open database file. The chunks "
                           "committed before it stand; feeding the same export again finishes the job\n")


@pytest.mark.parametrize("moment, told", [
    ("yesterday", "'yesterday' is not an ISO 8601 time"),
    ("2026-11-02T06:00:00", "give a time zone"),
    ("0001-01-01T00:00:00Z", "out of range: too near the ends of the calendar to have a day in London"),
    ("9999-12-31T23:59:59-05:00", "out of range: too near the ends of the calendar to have a day in London"),
])
def test_an_export_time_no_case_could_be_referred_at_is_refused_before_anything_is_fed(
        sqlite_url, tmp_path, secrets, capsys, moment, told):
    with pytest.raises(SystemExit) as refused:
        main(["feed", "probation", str(EXAMPLE), "--database-url", sqlite_url, "--report-dir", str(tmp_path),
              "--exported-at", moment])
    assert refused.value.code == 2
    assert f"argument --exported-at: {told}" in capsys.readouterr().err
    assert asyncio.run(stored(sqlite_url)) == (0, 0)


def test_an_export_listing_needs_in_another_order_changes_no_case(db_url, tmp_path, secrets, capsys):
    reordered = tmp_path / "reordered.csv"
    reordered.write_text(EXAMPLE.read_text().replace("housing;employment_training", "employment_training;housing")
                         .replace("mental_health;substance_misuse", "substance_misuse;mental_health"))
    feed = ["--database-url", db_url, "--report-dir", str(tmp_path), "--json"]
    assert main(["feed", "probation", str(EXAMPLE), *feed]) == 1
    capsys.readouterr()
    assert main(["feed", "probation", str(reordered), *feed]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 10)


# PostgreSQL refusing a referral with a data error whose message quotes what was written.
REFUSES_QUOTING_IT = ("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                      "RAISE EXCEPTION 'cannot store %%', NEW.document USING ERRCODE = '22000'; END $$",
                      "CREATE TRIGGER refuse BEFORE INSERT ON referrals FOR EACH ROW EXECUTE FUNCTION refuse()")


def test_a_postgresql_error_that_could_quote_a_value_is_told_by_its_kind_only(pg_schema_url, tmp_path, secrets,
                                                                              capsys):
    asyncio.run(_made_with(pg_schema_url, *REFUSES_QUOTING_IT))
    assert main(["feed", "probation", str(EXAMPLE), "--database-url", pg_schema_url,
                 "--report-dir", str(tmp_path)]) == 2
    told = capsys.readouterr().err
    assert told.startswith("pathways feed: the intake database failed: DataException (SQLSTATE 22000). ")
    assert "index_person" not in told and "partner" not in told
