"""The rejection report's CSV opened in a spreadsheet: a column or key named by the uploader like a
formula (`=HYPERLINK(…)`, `@SUM(…)`) is shown as text, starting with a quote, never run; the JSON
report keeps the name exactly, and the line and batch id are as they were."""
import csv
import io
import json
from pathlib import Path

import pytest

from pathways_shared.cli import main

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "probation" / "caseload-example.csv"
SECRETS = {"PSEUDONYM_KEY": "test-pseudonym-key-0123456789", "MASTER_KEY": "bWFzdGVyLWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU="}
# Header names as an uploader could write them; the feed reads a header name in lower case.
FORMULA_COLUMNS = ['=HYPERLINK("http://x","y")', "@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3"]
# JSONL keys are kept exactly, so a tab or a carriage return can lead one.
FORMULA_KEYS = ['=HYPERLINK("http://x","y")', "@SUM(1+1)", "+1", "-1", "\t=1+1", "\r=1+1"]
# A carriage return inside a cell, left unquoted, would start a spreadsheet row with the formula.
HIDDEN_KEY = 'x\r=HYPERLINK("http://x","y")'


def with_columns(export: Path, names: list[str], out: Path) -> Path:
    """The export with more (empty) columns named `names`."""
    with export.open(newline="") as handle:
        rows = list(csv.reader(handle))
    with out.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [rows[0] + names] + [row + [""] * len(names) for row in rows[1:]])
    return out


def test_the_written_reports_show_a_formula_like_column_as_text_and_keep_its_name(db_url, tmp_path, monkeypatch,
                                                                                  capsys):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    export = with_columns(EXAMPLE, FORMULA_COLUMNS, tmp_path / "caseload.csv")
    reports = tmp_path / "reports"
    assert main(["feed", "probation", str(export), "--database-url", db_url, "--report-dir", str(reports),
                 "--exported-at", "2026-11-02T06:00:00Z"]) == 1
    assert "rejected 2" in capsys.readouterr().out
    as_json = json.loads((reports / "rejections.json").read_text())
    named = [name.lower() for name in FORMULA_COLUMNS]
    assert [(p["field"], p["type"]) for p in as_json["file_problems"]] == [(n, "unknown_column") for n in named]
    with (reports / "rejections.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    file_rows = [r for r in rows if r["status"] == "file"]
    assert [(r["batch_id"], r["line"], r["field"], r["type"]) for r in file_rows] == [
        (as_json["batch_id"], "", "'" + n, "unknown_column") for n in named]
    assert [(r["line"], r["field"]) for r in rows if r["status"] != "file"] == [("7", "stage"), ("12", "fm2_carer_ref")]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values())


def jsonl_case(crn: str, **extra) -> dict:
    mother = {"person_ref": "m1", "relationship": "mother", "age_years": 47, "sex": "female",
              "local_authority": "liverpool"}
    return {"crn": crn, "given_name": "Sam", "date_of_birth": "2004-06-14", "sex": "male",
            "local_authority": "liverpool", "stage": "custody", "family_members": [mother], **extra}


async def test_the_streamed_report_shows_a_formula_like_key_of_a_rejected_line_as_text(api):
    client, _ = api
    keys = [*FORMULA_KEYS, HIDDEN_KEY]
    export = "".join(json.dumps(o) + "\n" for o in (jsonl_case("X910001"),
                                                     jsonl_case("X910002", **dict.fromkeys(keys, 1))))
    batch = (await client.post("/v1/probation/caseload?exported_at=2026-11-02T06:00:00Z", content=export.encode(),
                               headers={"content-type": "application/x-ndjson"})).json()
    assert (batch["created"], batch["rejected"]) == (1, 1)
    as_json = (await client.get(batch["links"]["rejections"])).json()
    [rejection] = as_json["rejections"]
    assert rejection["line"] == 2
    assert sorted(p["field"] for p in rejection["problems"]) == sorted(keys)
    report = await client.get(batch["links"]["rejections"], params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(report.text, newline="")))
    assert sorted((r["batch_id"], r["line"], r["field"], r["type"]) for r in rows) == sorted(
        [(batch["batch_id"], "2", "'" + key, "extra_forbidden") for key in FORMULA_KEYS]
        + [(batch["batch_id"], "2", HIDDEN_KEY, "extra_forbidden")])
