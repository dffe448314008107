"""The caseload feed over HTTP: an export uploaded or streamed, its batch and rejection report read
back, a rejected line corrected and resubmitted."""
import csv
import io
import json
from pathlib import Path

import httpx
import prometheus_client
import pytest
from sqlalchemy import func, select

from pathways_intake.adapters.tables import feed_batches, feed_rejections, referrals
from pathways_intake.domain.case_key import case_referral_id
from pathways_intake.entrypoints.http import create_app
from pathways_intake.feed.generator import write_export
from pathways_shared.events import EventType, decode_event
from pathways_shared.outbox import outbox

from ..conftest import ADMIN, PSEUDONYM_KEY, token_store

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "probation" / "caseload-example.csv"
KEY = PSEUDONYM_KEY.encode()


def example_row(line: int) -> dict:
    with EXAMPLE.open(newline="") as handle:
        return {k: v for k, v in list(csv.DictReader(handle))[line - 2].items() if v}


async def stored(intake, table) -> int:
    async with intake.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


def paths(answer) -> list[tuple[str, str]]:
    return [(p["path"], p["type"]) for p in answer.json()["problems"]]


async def chunks(data: bytes, size: int = 1000):
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def test_an_uploaded_export_answers_its_summary_and_rejections(api):
    client, intake = api
    answer = await client.post("/v1/probation/caseload?exported_at=2026-11-02T06:00:00Z", files={
        "file": ("caseload-example.csv", EXAMPLE.read_bytes(), "text/csv")}, data={"organisation": "PS Merseyside"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["rows_read"], body["created"], body["rejected"], body["status"]) == (12, 10, 2, "completed")
    assert body["source_name"] == "caseload-example.csv" and body["rejections_complete"] is True
    assert [(r["line"], r["problems"][0]["field"]) for r in body["rejections"]] == [(7, "stage"), (12, "fm2_carer_ref")]
    assert "Dean" not in answer.text and "X900006" not in answer.text, "no value from a row comes back"
    _, document = await intake.service.referral_document(case_referral_id("X900001", KEY))
    assert document["source"]["organisation"] == "PS Merseyside"
    assert document["referred_at"].startswith("2026-11-02T06:00")

    batch = (await client.get(body["links"]["self"])).json()
    assert batch["rejection_status"] == {"open": 2, "resubmitted": 0, "resolved": 0} and batch["created"] == 10
    report = await client.get(body["links"]["rejections"], params={"format": "csv"})
    assert report.headers["content-type"].startswith("text/csv")
    assert [r["line"] for r in csv.DictReader(io.StringIO(report.text))] == ["7", "12"]
    as_json = (await client.get(body["links"]["rejections"])).json()
    assert as_json["batch_id"] == body["batch_id"] and [r["line"] for r in as_json["rejections"]] == [7, 12]


async def test_an_export_streamed_as_the_body_is_fed_in_either_format(api):
    client, intake = api
    answer = await client.post("/v1/probation/caseload", content=chunks(EXAMPLE.read_bytes()),
                               headers={"content-type": "text/csv; charset=utf-8"})
    assert answer.status_code == 200 and answer.json()["created"] == 10
    out = io.StringIO(newline="")
    write_export(out, 40, seed=2, fmt="jsonl", bad_every=20)
    answer = await client.post("/v1/probation/caseload", content=chunks(out.getvalue().encode()),
                               headers={"content-type": "application/x-ndjson"})
    body = answer.json()
    assert (body["format"], body["created"], body["rejected"]) == ("jsonl", 38, 2)
    assert [r["line"] for r in body["rejections"]] == [20, 40]
    async with intake.engine.connect() as conn:
        payloads = (await conn.execute(select(outbox.c.payload))).scalars().all()
    assert [decode_event(p).eventType for p in payloads] == [EventType.referral_submitted] * 48


async def test_a_rejected_line_is_corrected_resubmitted_or_resolved(api):
    client, _ = api
    batch = (await client.post("/v1/probation/caseload", content=EXAMPLE.read_bytes(),
                               headers={"content-type": "text/csv"})).json()
    rejections = batch["links"]["rejections"]
    wrong = await client.post(f"{rejections}/7", json=dict(example_row(7), stage="jail"))
    assert wrong.status_code == 422 and wrong.json()["problems"][0]["path"] == "stage"
    twice = json.dumps(example_row(7)).replace('"stage": ', '"stage": "jail", "stage": ', 1)
    repeated = await client.post(f"{rejections}/7", content=twice, headers={"content-type": "application/json"})
    assert repeated.status_code == 422 and paths(repeated) == [("(body)", "repeated_name")]
    assert "'stage'" in repeated.json()["problems"][0]["message"]
    fixed = await client.post(f"{rejections}/7", json={k.upper(): v for k, v in dict(example_row(7),
                                                                                    stage="custody").items()})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json() | {"referral_id": None} == {"line": 7, "status": "resubmitted", "referral_id": None,
                                                  "outcome": "created", "revision": 1, "changed_fields": []}
    assert (await client.post(f"{rejections}/12", json={"CRN": "X900012", " crn": "X900012"})).json()[
        "problems"][0] == {"path": "crn", "type": "duplicate_column", "message": "the column appears more than once"}
    resolved = await client.post(f"{rejections}/12/resolve")
    assert resolved.json() == {"line": 12, "status": "resolved"}
    summary = (await client.get(batch["links"]["self"])).json()
    assert summary["rejection_status"] == {"open": 0, "resubmitted": 1, "resolved": 1}
    open_only = (await client.get(rejections, params={"status": "open"})).json()
    assert open_only["rejections"] == []
    assert (await client.post(f"{rejections}/3", json=example_row(3))).status_code == 404
    assert (await client.post(f"{rejections}/7", content=b"[1]")).status_code == 422


async def test_what_cannot_be_fed_is_refused_with_problems(api):
    client, intake = api
    refused = await client.post("/v1/probation/caseload", content=b"crn,given_name\nX900001,Sam\n",
                                headers={"content-type": "text/csv"})
    assert refused.status_code == 422
    assert {p["path"] for p in refused.json()["problems"]} == {"stage", "sex", "local_authority"}
    assert refused.json()["batch"]["status"] == "refused"
    wrong_type = await client.post("/v1/probation/caseload", json={"crn": "X900001"})
    assert wrong_type.status_code == 415 and paths(wrong_type) == [("content-type", "unsupported_media_type")]
    assert "text/csv" in wrong_type.json()["problems"][0]["message"], "it says what may be sent"
    no_file = await client.post("/v1/probation/caseload", files={"export": ("x.csv", b"crn\n", "text/csv")})
    assert no_file.status_code == 422 and no_file.json()["problems"][0]["path"] == "file"
    upload = {"file": ("caseload-example.csv", EXAMPLE.read_bytes(), "text/csv")}
    wrong_format = await client.post("/v1/probation/caseload", files=upload, data={"format": "xlsx"})
    assert wrong_format.status_code == 422 and paths(wrong_format) == [("format", "enum")]
    long_name = await client.post("/v1/probation/caseload", files=upload, data={"organisation": "O" * 201})
    assert long_name.status_code == 422 and paths(long_name) == [("organisation", "string_too_long")]
    assert "200" in long_name.json()["problems"][0]["message"]
    gzipped = await client.post("/v1/probation/caseload", content=b"\x1f\x8b\x08\x00",
                                headers={"content-type": "text/csv", "content-encoding": "gzip"})
    assert gzipped.status_code == 415 and paths(gzipped) == [("content-encoding", "unsupported_media_type")]
    too_long_query = await client.post("/v1/probation/caseload", params={"organisation": "O" * 201}, files=upload)
    assert too_long_query.status_code == 422
    for where in ("data", "params"):   # PostgreSQL text cannot hold a NUL: refused, not a 500
        nul = await client.post("/v1/probation/caseload", files=upload, **{where: {"organisation": "PS\x00Mersey"}})
        assert nul.status_code == 422 and paths(nul) == [("organisation", "control_character")]
    for moment in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"):   # no case could be referred then
        out_of_range = await client.post("/v1/probation/caseload", files=upload, params={"exported_at": moment})
        assert out_of_range.status_code == 422 and paths(out_of_range) == [("query.exported_at", "datetime_out_of_range")]
    assert await stored(intake, feed_batches) == 1, "only the refused file is recorded"
    assert await stored(intake, referrals) == 0
    assert (await client.get("/v1/probation/batches/not-a-batch")).status_code == 404
    assert (await client.get("/v1/probation/batches/8f1d3c52-8a0e-4b7e-9c61-2f7a51d0e9b4/rejections")).status_code == 404


async def test_an_upload_may_be_larger_than_a_referral_body(db_url, settings_with, referral):
    app = create_app(settings_with(database_url=db_url, topic_prefix="t.", max_body_bytes=1024),
                     background=False, registry=prometheus_client.CollectorRegistry())
    app.state.tokens = token_store()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake",
                                     headers=ADMIN) as client:
            export = EXAMPLE.read_bytes()
            assert len(export) > 1024 and len(json.dumps(referral)) > 1024
            fed = await client.post("/v1/probation/caseload", content=export, headers={"content-type": "text/csv"})
            assert fed.status_code == 200 and fed.json()["created"] == 10
            assert (await client.post("/v1/referrals", json=referral)).status_code == 413


async def test_an_upload_over_the_caseload_limit_is_refused_and_leaves_no_batch(db_url, settings_with, monkeypatch):
    monkeypatch.setenv("CASELOAD_MAX_BYTES", "2048")
    app = create_app(settings_with(database_url=db_url, topic_prefix="t."), background=False,
                     registry=prometheus_client.CollectorRegistry())
    app.state.tokens = token_store()
    export = EXAMPLE.read_bytes()
    assert len(export) > 2048
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake",
                                     headers=ADMIN) as client:
            for sent in ({"content": export, "headers": {"content-type": "text/csv"}},     # length declared
                         {"content": chunks(export), "headers": {"content-type": "text/csv"}},  # streamed
                         {"files": {"file": ("caseload.csv", export, "text/csv")}}):
                answer = await client.post("/v1/probation/caseload", **sent)
                assert answer.status_code == 413 and paths(answer) == [("(body)", "body_too_large")], sent
                assert "2048" in answer.json()["problems"][0]["message"]
            assert await stored(app.state.intake, feed_batches) == 0
            fits = await client.post("/v1/probation/caseload", content=export[:2000].rsplit(b"\n", 1)[0] + b"\n",
                                     headers={"content-type": "text/csv"})
            assert fits.status_code == 200, fits.text


async def test_a_line_no_rejection_could_have_is_not_found_on_either_database(api):
    client, _ = api
    batch = (await client.post("/v1/probation/caseload", content=EXAMPLE.read_bytes(),
                               headers={"content-type": "text/csv"})).json()
    rejections = batch["links"]["rejections"]
    for line in ("0", "-1", "2147483648", "9223372036854775808", "1" + "0" * 40):
        resolved = await client.post(f"{rejections}/{line}/resolve")
        assert resolved.status_code == 404 and paths(resolved) == [("line", "unknown_rejection")], line
        resubmitted = await client.post(f"{rejections}/{line}", json=example_row(7))
        assert resubmitted.status_code == 404 and paths(resubmitted) == [("line", "unknown_rejection")], line


async def test_a_corrected_row_must_be_for_the_case_its_line_was_for(api):
    client, intake = api
    batch = (await client.post("/v1/probation/caseload", content=EXAMPLE.read_bytes(),
                               headers={"content-type": "text/csv"})).json()
    line_12 = f"{batch['links']['rejections']}/12"
    corrected = dict(example_row(12), fm2_carer_ref="p1")
    other_case = await client.post(line_12, json=dict(corrected, crn="Z999999"))
    assert other_case.status_code == 422 and paths(other_case) == [("crn", "other_case")]
    message = other_case.json()["problems"][0]["message"]
    assert str(case_referral_id("X900011", KEY)) in message, "it says which case the line was for"
    assert "X900011" not in other_case.text and "Z999999" not in other_case.text, "by its id, never its CRN"
    assert other_case.json()["rejection_status"] == "open" and await stored(intake, referrals) == 10
    same_case = await client.post(line_12, json=dict(corrected, crn=" x900011 "))
    assert same_case.status_code == 200 and same_case.json()["referral_id"] == str(case_referral_id("X900011", KEY))


async def test_a_settled_rejection_takes_no_corrected_row(api):
    client, intake = api
    batch = (await client.post("/v1/probation/caseload", content=EXAMPLE.read_bytes(),
                               headers={"content-type": "text/csv"})).json()
    rejections = batch["links"]["rejections"]
    assert (await client.post(f"{rejections}/12/resolve")).json() == {"line": 12, "status": "resolved"}
    late = await client.post(f"{rejections}/12", json=dict(example_row(12), fm2_carer_ref="p1"))
    assert late.status_code == 409 and paths(late) == [("line", "rejection_settled")]
    assert late.json()["rejection_status"] == "resolved" and "already resolved" in late.json()["problems"][0]["message"]
    assert (await client.post(f"{rejections}/7", json=dict(example_row(7), stage="custody"))).status_code == 200
    again = await client.post(f"{rejections}/7", json=dict(example_row(7), stage="licence"))
    assert again.status_code == 409 and again.json()["rejection_status"] == "resubmitted"
    assert (await client.post(f"{rejections}/7/resolve")).json() == {"line": 7, "status": "resubmitted"}
    async with intake.engine.connect() as conn:
        statuses = dict((await conn.execute(select(feed_rejections.c.line, feed_rejections.c.status))).all())
    assert statuses == {7: "resubmitted", 12: "resolved"} and await stored(intake, referrals) == 11
    _, document = await intake.service.referral_document(case_referral_id("X900006", KEY))
    assert document["index_person"]["stage"] == "custody", "the late row changed nothing"


async def test_a_file_name_with_control_characters_is_kept_printable(api):
    client, _ = api
    # Built by hand: an HTTP client would escape the name, another sender may not.
    body = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="case\x00load\x01.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n" + EXAMPLE.read_bytes() + b"\r\n--b--\r\n")
    answer = await client.post("/v1/probation/caseload", content=body,
                               headers={"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["source_name"] == "case\ufffdload\ufffd.csv", "answered as it is kept"
    batch = (await client.get(answer.json()["links"]["self"])).json()
    assert batch["source_name"] == "case\ufffdload\ufffd.csv" and batch["rows_read"] == 12


async def test_a_multipart_parts_content_type_says_its_format_when_no_format_is_asked(api):
    client, _ = api
    line = json.dumps({"crn": "X900051", "age_years": 30, "sex": "male", "local_authority": "sefton",
                       "stage": "custody"})
    answer = await client.post("/v1/probation/caseload", files={
        "file": ("caseload.txt", line.encode() + b"\n", "application/x-ndjson")})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["format"], answer.json()["created"]) == ("jsonl", 1)


async def test_a_query_parameter_given_twice_is_refused_like_a_bad_one_and_the_upload_left_unread(api):
    client, intake = api
    report = "/v1/probation/batches/8f1d3c52-8a0e-4b7e-9c61-2f7a51d0e9b4/rejections"
    wrong = await client.get(report, params={"format": "xml"})
    assert wrong.status_code == 422 and paths(wrong) == [("query.format", "string_pattern_mismatch")]
    twice = await client.get(f"{report}?format=csv&format=json")
    assert twice.status_code == 422
    assert twice.json() == {"problems": [{"path": "query.format", "type": "repeated_parameter",
                                          "message": "given 2 times; give it once"}]}
    read = []

    async def export():
        read.append(True)
        yield EXAMPLE.read_bytes()
    upload = await client.post("/v1/probation/caseload?organisation=A&organis%61tion=B", content=export(),
                               headers={"content-type": "text/csv"})
    assert upload.status_code == 422 and paths(upload) == [("query.organisation", "repeated_parameter")]
    assert read == [], "the streamed export was not read"
    assert await stored(intake, feed_batches) == 0
