"""The probation case API over HTTP (a real local server): while it answers 503 an event stays
unresolved, is listed by GET /v1/probation/unresolved without personal data, and is applied by
the retry worker once the API answers; an unknown person stays unresolved and keeps being retried."""
import asyncio
import io
import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi import FastAPI

from pathways_intake.hmpps import api, samples
from pathways_intake.hmpps.cases import CaseSourceUnavailable
from pathways_intake.hmpps.http_source import HttpCaseSource
from pathways_intake.hmpps.messages import CaseIdentifiers
from pathways_intake.hmpps.testing import (
    inbox_rows, publish, running_subscriber, settings_for_tests, stored_case, until_settled,
)
from pathways_shared.telemetry import configure_logging

pytestmark = pytest.mark.integration


class CaseApi:
    """Serves examples/probation/cases.json as the case API does, or 503 while unavailable."""

    def __init__(self, cases: dict):
        self.by_crn = cases
        self.by_noms = {case["noms"]: crn for crn, case in cases.items() if "noms" in case}
        self.available, self.requests = False, []
        api_ = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                api_.requests.append(self.path)
                kind, _, key = self.path.removeprefix("/cases/").partition("/")
                crn = key if kind == "crn" else api_.by_noms.get(key) if kind == "noms" else None
                if self.path.startswith("/events/"):
                    crn = "L453621"  # an event's detail page, naming its case
                status = 503 if not api_.available else 200 if crn in api_.by_crn else 404
                body = json.dumps({**api_.by_crn[crn], "crn": crn} if status == 200 else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def case_api(request):
    cases = json.loads((request.config.rootpath / "examples" / "probation" / "cases.json").read_text())
    case_api = CaseApi(cases)
    thread = threading.Thread(target=case_api.server.serve_forever, daemon=True)
    thread.start()
    yield case_api
    case_api.server.shutdown()
    case_api.server.server_close()


async def listed_unresolved(intake) -> dict:
    app = FastAPI()
    app.state.intake = intake
    app.include_router(api.router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        response = await client.get("/v1/probation/unresolved")
    assert response.status_code == 200
    return response.json()


async def retried_again(intake, message_id: str, *, attempts: int, timeout: float = 30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while (row := (await inbox_rows(intake))[message_id]).attempts < attempts:
        assert asyncio.get_running_loop().time() < deadline, f"only {row.attempts} attempts"
        await asyncio.sleep(0.1)
    return row


async def test_an_unavailable_case_api_leaves_events_unresolved_until_a_retry_applies_them(
        kafka_bootstrap, db_url, case_api, request):
    settings = settings_for_tests(bootstrap_servers=kafka_bootstrap, database_url=db_url,
                                  topic=f"test-{uuid.uuid4().hex[:10]}.hmpps", case_source=f"http:{case_api.base_url}",
                                  hmpps_retry_first_seconds=0.2, hmpps_retry_longest_seconds=0.4,
                                  hmpps_retry_poll_seconds=0.1)
    shared_dir = samples.shared_samples_dir(request.config.rootpath)
    released = samples.sample("prisoner-released-sns-envelope.json", shared_dir)
    stranger = samples.sns(dict(samples.bare(samples.sample("licence-activated-cvl.json", shared_dir)),
                                personReference={"identifiers": [{"type": "CRN", "value": "Z999999"}]}), "stranger")
    async with running_subscriber(settings) as intake:
        await asyncio.to_thread(publish, kafka_bootstrap, settings.hmpps_events_topic,
                                [samples.one_line(released), samples.one_line(stranger)])
        rows = await until_settled(intake, 2, statuses={"unresolved"})
        listed = await listed_unresolved(intake)

        case_api.available = True
        intake.hmpps.retries.start()
        try:
            rows = await until_settled(intake, 1, statuses={"applied"})
            retried = await retried_again(intake, "stranger", attempts=3)  # still unresolved, still retried
        finally:
            await intake.hmpps.retries.stop()
        case = await stored_case(intake, "P100001")
        still = await listed_unresolved(intake)

    assert [(e["message_id"], e["attempts"], e["last_error"]) for e in listed["unresolved"]] == [
        (released["MessageId"], 1, "case API answered HTTP 503"), ("stranger", 1, "case API answered HTTP 503")]
    assert all(e["next_attempt_at"] > e["received_at"] for e in listed["unresolved"])
    shown = json.dumps(listed) + json.dumps(still)
    assert not any(value in shown for value in ("A0001AA", "Z999999", "P100001", "Callum", "Rourke"))

    applied = rows[released["MessageId"]]
    assert (applied.status, applied.outcome, applied.attempts, applied.last_error) == ("applied", "created", 2, None)
    assert case.document["index_person"]["stage"] == "licence"
    assert case.document["index_person"]["release_date"] == "2022-05-04"
    assert (retried.status, retried.last_error) == ("unresolved", "the case source does not know the event's person")
    assert [e["message_id"] for e in still["unresolved"]] == ["stranger"]
    assert "/cases/noms/A0001AA" in case_api.requests


async def test_a_detail_url_is_followed_only_under_the_case_api(case_api):
    case_api.available = True
    source = HttpCaseSource(case_api.base_url)
    record = await source.get_case(CaseIdentifiers(detail_url=f"{case_api.base_url}/events/e1"))
    assert record is not None and record.crn == "L453621"
    elsewhere = await source.get_case(CaseIdentifiers(noms="A0006AA", detail_url="http://169.254.169.254/latest/"))
    assert elsewhere is not None and elsewhere.crn == "R100006"
    assert case_api.requests == ["/events/e1", "/cases/noms/A0006AA"]
    assert await source.get_case(CaseIdentifiers(crn="Z999999")) is None


class Trickling(BaseHTTPRequestHandler):
    """Answers 200, then sends its body a byte at a time: each read is quick, the whole never ends."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b" ")
                self.wfile.flush()
                threading.Event().wait(0.2)
        except OSError:   # the client gave up
            pass

    def log_message(self, *args):
        pass


async def test_a_case_api_answering_too_slowly_is_unavailable_within_the_timeout():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = HttpCaseSource(f"http://127.0.0.1:{server.server_address[1]}", timeout=1.0)
        started = asyncio.get_running_loop().time()
        with pytest.raises(CaseSourceUnavailable, match=r"case API unreachable \(TimeoutError\)"):
            await source.get_case(CaseIdentifiers(crn="L453621"))
        assert asyncio.get_running_loop().time() - started < 3, "the timeout bounds the whole request"
    finally:
        server.shutdown()
        server.server_close()


async def test_the_case_apis_request_lines_which_name_the_person_are_not_logged(case_api):
    case_api.available = True
    stream, root = io.StringIO(), logging.getLogger()
    level, handler = root.level, configure_logging("referral-intake", stream=stream)
    try:
        assert (await HttpCaseSource(case_api.base_url).get_case(CaseIdentifiers(crn="L453621"))).crn == "L453621"
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert case_api.requests == ["/cases/crn/L453621"]
    assert "L453621" not in stream.getvalue()
