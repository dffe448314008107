"""`pathways report monthly`, `pathways trace` and their HTTP endpoints over a real ledger."""
import asyncio
import json
import shutil
import subprocess
import sys

import httpx
import pytest
from pathways_shared.auth import TokenStore
from pathways_shared.settings import Settings

from pathways_ledger.entrypoints.http import create_app

from ..unit.report.month_scenario import november

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
TOKENS = TokenStore.of([("c", "fp_commissioner", ["commissioner"]), ("a", "fp_admin", ["admin"]),
                        ("r", "fp_referrer", ["referrer"])])


async def pathways(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pathways_shared.cli", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def recorded(ledger):
    events, ids = november()
    await ledger.record_events(events.out)
    return ids


async def test_monthly_report_writes_html_csv_and_json_reproducibly(recorded, db_url, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    for out in (first, second):
        code, stdout, err = await pathways("report", "monthly", "--month", "2026-11", "--out", str(out),
                                           "--database-url", db_url)
        assert (code, err) == (0, ""), err
    names = sorted(p.name for p in first.iterdir())
    assert {"report.html", "report.json", "caseload.csv", "cross_referrals.csv", "chains.csv"} <= set(names)
    for name in names:
        if not name.endswith(".html"):
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
    document = json.loads((first / "report.json").read_text())
    assert document["variant"] == "published" and document["ledger"]["head_seq"] == 26
    assert (first / "caseload.csv").read_text().splitlines()[1:] == [
        "magistra,<5,0,<5,0,not recorded", "moms,0,0,0,0,not recorded", "pops,0,<5,0,<5,waitlist",
        "shelter,0,0,0,0,not recorded", "tmuk,0,<5,<5,0,not recorded", "all,<5,<5,<5,<5,"]


async def test_the_html_report_renders_in_chromium_with_charts_and_tables(recorded, db_url, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is needed for this test (apt-get install -y chromium)"
    code, _, err = await pathways("report", "monthly", "--month", "2026-11", "--out", str(tmp_path),
                                  "--variant", "internal", "--database-url", db_url)
    assert code == 0, err
    html = (tmp_path / "report.html").read_text()
    assert html.count("<svg") >= 3 and 'class="flow"' in html and 'class="onward"' in html
    assert html.count("<table") == 16 and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    png = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
                    "--window-size=1200,3000", (tmp_path / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000   # a blank page compresses far smaller


async def test_a_caseload_that_does_not_reconcile_is_not_published(ledger, recorded, db_url, tmp_path):
    from ..unit.report.month_scenario import R1, at
    from pathways_ledger.testing.events import Events
    extra = Events(seed=7)
    extra.status(R1, recorded["c"], "tmuk", at(11, 20), "rejected", "in-progress")
    await ledger.record_events(extra.out)
    code, _, err = await pathways("report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "r"),
                                  "--database-url", db_url)
    assert code == 1 and "tmuk: open at start 0 + new 1 − closed 1 = 0" in err
    assert not (tmp_path / "r").exists()


async def test_trace_shows_a_persons_chain_across_providers(recorded, db_url):
    code, out, err = await pathways("trace", "pp_c1", "--database-url", db_url)
    assert code == 0, err
    assert out.splitlines()[0] == "magistra → pops → tmuk" and "rejected (family_refused)" in out
    code, out, _ = await pathways("trace", str(recorded["b"]), "--json", "--database-url", db_url)
    chains = json.loads(out)["chains"]
    assert [c["path"] for c in chains] == ["magistra → pops → tmuk"]
    assert [s["matches_query"] for s in chains[0]["steps"]] == [False, True, False]
    assert (await pathways("trace", "pp_nobody00", "--database-url", db_url))[0] == 1
    assert (await pathways("trace", "Jane Smith", "--database-url", db_url))[0] == 2


@pytest.fixture
async def client(ledger, db_url):
    app = create_app(Settings(service_name="ledger", database_url=db_url))
    app.state.tokens = TOKENS
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ledger") as c:
            yield c


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_monthly_report_over_http_needs_commissioner_and_admin_for_internal(recorded, client):
    url = "/v1/reports/monthly?month=2026-11"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth("fp_referrer"))).status_code == 403
    published = await client.get(url, headers=auth("fp_commissioner"))
    assert published.status_code == 200 and published.json()["variant"] == "published"
    assert (await client.get(url + "&variant=internal", headers=auth("fp_commissioner"))).status_code == 403
    internal = await client.get(url + "&variant=internal", headers=auth("fp_admin"))
    caseload = {row[0]: row[1:5] for row in internal.json()["tables"]["caseload"]["rows"]}
    assert caseload["pops"] == [0, 2, 0, 2]
    csv = await client.get(url + "&format=csv&table=chains", headers=auth("fp_commissioner"))
    assert csv.text.splitlines() == ["chain,referrals", "magistra → pops,<5", "magistra → pops → tmuk,<5"]
    assert "<svg" in (await client.get(url + "&format=html", headers=auth("fp_commissioner"))).text
    bad = await client.get("/v1/reports/monthly?month=2026-13", headers=auth("fp_commissioner"))
    assert bad.status_code == 422 and "YYYY-MM" in bad.json()["detail"]
    for month in ("0000-01", "9999-12"):   # no year 0; no month after 9999-12 to end 9999-12
        beyond = await client.get(f"/v1/reports/monthly?month={month}", headers=auth("fp_commissioner"))
        assert beyond.status_code == 422 and "1900-01 to 9998-12" in beyond.json()["detail"]
    assert published.content == (await client.get(url, headers=auth("fp_commissioner"))).content


async def test_pathway_over_http(recorded, client):
    found = await client.get("/v1/pathways/pp_b1", headers=auth("fp_commissioner"))
    assert found.status_code == 200
    assert [c["path"] for c in found.json()["chains"]] == ["pops", "magistra → pops → tmuk"]  # Z, then A → B → C
    assert (await client.get("/v1/pathways/pp_b1")).status_code == 401
    assert (await client.get("/v1/pathways/nobody", headers=auth("fp_commissioner"))).status_code == 422
    assert (await client.get("/v1/pathways/pp_00000000", headers=auth("fp_commissioner"))).status_code == 404


async def test_a_query_parameter_given_twice_is_refused_naming_it(client):
    url = "/v1/reports/monthly?month=2026-11"
    wrong = await client.get(url + "&format=pdf", headers=auth("fp_commissioner"))
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["query", "format"]
    twice = await client.get(url + "&format=csv&format=json", headers=auth("fp_commissioner"))
    assert twice.status_code == 422
    assert twice.json() == {"detail": [{"type": "repeated_parameter", "loc": ["query", "format"],
                                        "msg": "given 2 times; give it once", "input": ["csv", "json"]}]}
    months = await client.get(url + "&m%6Fnth=2026-10", headers=auth("fp_commissioner"))
    assert months.status_code == 422 and months.json()["detail"][0]["input"] == ["2026-11", "2026-10"]
