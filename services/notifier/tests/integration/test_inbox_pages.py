"""The provider inbox pages over HTTP (no browser): sign-in and its cookie, a provider sees only
its own referrals, CSRF tokens are required, refused changes explain themselves beside the form,
and onward referrals go to the real router, which may refuse with its explanation."""
import html
import re
import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select

from pathways_notifier.adapters.tables import provider_referrals
from pathways_shared.auth import TokenStore
from pathways_shared.token_file import issue_token, revoke_token

from ..inbox_world import LATER, build

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
async def world(db_url, intake, tmp_path):
    built, stop = await build(db_url, intake, tmp_path)
    yield built
    await stop()


def client(world) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://127.0.0.1")


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def text_of(page: httpx.Response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


async def sign_in(c: httpx.AsyncClient, token: str, next_page: str = "/inbox/referrals") -> httpx.Response:
    form = await c.get("/inbox/sign-in", params={"next": next_page})
    return await c.post("/inbox/sign-in", data={"csrf_token": csrf_of(form), "token": token, "next": next_page})


async def status_of(world, provider: str) -> str:
    async with world.notifier.engine.connect() as conn:
        return (await conn.execute(select(provider_referrals.c.status).where(
            provider_referrals.c.provider_referral_id == uuid.UUID(world.raised[provider])))).scalar_one()


async def test_sign_in_sets_a_strict_httponly_expiring_cookie_and_sign_out_ends_it(world):
    async with client(world) as c:
        first = await c.get("/inbox/referrals/" + world.raised["moms"])
        assert (first.status_code, first.headers["location"]) == (
            303, f"/inbox/sign-in?next=/inbox/referrals/{world.raised['moms']}")
        page = await c.get(first.headers["location"])
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
        assert '<label for="token">' in page.text and "<script" not in page.text
        assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no script runs
        signed = await c.post("/inbox/sign-in", data={"csrf_token": csrf_of(page), "token": "tok-moms",
                                                      "next": f"/inbox/referrals/{world.raised['moms']}"})
        assert (signed.status_code, signed.headers["location"]) == (303, f"/inbox/referrals/{world.raised['moms']}")
        cookie = signed.headers["set-cookie"].lower()
        for attribute in ("httponly", "samesite=strict", "path=/inbox", "max-age=28800"):
            assert attribute in cookie
        assert csrf_of(signed_page := await c.get(signed.headers["location"])) != csrf_of(page), "rotated"
        assert "Sam" in signed_page.text
        out = await c.post("/inbox/sign-out", data={"csrf_token": csrf_of(signed_page)})
        assert out.status_code == 303 and 'max-age=0' in out.headers["set-cookie"].lower()
        assert (await c.get("/inbox/referrals")).status_code == 303


@pytest.mark.parametrize("token, message", [
    ("fp_not-a-token", "not recognised"), ("tok-comm", "not a provider's token"),
    ("tok-pops", "does not use the inbox")])
async def test_sign_in_refuses_tokens_that_cannot_use_the_inbox(world, token, message):
    async with client(world) as c:
        refused = await sign_in(c, token)
        assert refused.status_code == 401 and message in text_of(refused)
        assert 'role="alert"' in refused.text and (await c.get("/inbox/referrals")).status_code == 303


async def test_a_revoked_token_signs_its_sessions_out(world, tmp_path):
    path = tmp_path / "tokens.jsonl"
    token = issue_token(path, "moms-office", ["provider:moms"])
    world.app.state.tokens = TokenStore(path)
    async with client(world) as c:
        assert (await sign_in(c, token)).status_code == 303
        assert (await c.get("/inbox/referrals")).status_code == 200
        assert revoke_token(path, "moms-office")
        assert (await c.get("/inbox/referrals")).status_code == 303


async def test_a_tampered_cookie_is_no_session(world):
    async with client(world) as c:
        await sign_in(c, "tok-moms")
        value = c.cookies["pathways_inbox"]
        c.cookies.clear()
        c.cookies.set("pathways_inbox", value[:-2] + ("AA" if not value.endswith("AA") else "BB"), path="/inbox")
        assert (await c.get("/inbox/referrals")).status_code == 303


async def test_the_list_shows_only_the_providers_referrals_overdue_first_with_a_badge(world):
    async with client(world) as c:
        await sign_in(c, "tok-tmuk")
        page = await c.get("/inbox/referrals")
        assert world.raised["tmuk"] in page.text and world.raised["moms"] not in page.text
        assert "Overdue</strong>" in page.text, "two weeks on, nothing contacted: overdue"
        other = await c.get(f"/inbox/referrals/{world.raised['moms']}")
        assert other.status_code == 404 and "Sam" not in other.text
        assert (await c.get("/inbox/referrals/not-a-uuid")).status_code == 404
        posted = await c.post(f"/inbox/referrals/{world.raised['moms']}/status",
                              data={"csrf_token": csrf_of(page), "status": "accepted"})
        assert posted.status_code == 404 and await status_of(world, "moms") == "requested"
    async with client(world) as stranger:
        unsigned = await stranger.post(f"/inbox/referrals/{world.raised['moms']}/status", data={"status": "accepted"})
        assert unsigned.status_code == 401 and await status_of(world, "moms") == "requested"


async def test_overdue_referrals_come_first(world, tmp_path):
    world.app.state.tokens = TokenStore.of([("both", "tok-both", ["provider:moms", "provider:magistra"])])
    async with client(world) as c:
        await sign_in(c, "tok-both")
        page = await c.get(f"/inbox/referrals/{world.raised['magistra']}")
        done = await c.post(f"/inbox/referrals/{world.raised['magistra']}/first-contact",
                            data={"csrf_token": csrf_of(page), "contacted_on": date.today().isoformat(),
                                  "method": "phone"})
        assert done.status_code == 303
        listing = (await c.get("/inbox/referrals")).text
        moms, magistra = listing.index(world.raised["moms"]), listing.index(world.raised["magistra"])
        assert moms < magistra and listing.count("Overdue</strong>") == 1


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(world):
    async with client(world) as c:
        await sign_in(c, "tok-moms")
        url = f"/inbox/referrals/{world.raised['moms']}/status"
        for data in ({"status": "accepted"}, {"status": "accepted", "csrf_token": "guessed"}):
            refused = await c.post(url, data=data)
            assert refused.status_code == 403 and "did not come from this site" in text_of(refused)
        assert await status_of(world, "moms") == "requested"
    async with client(world) as fresh:  # and no sign-in without the form's own token
        assert (await fresh.post("/inbox/sign-in", data={"token": "tok-moms"})).status_code == 403


async def test_refused_changes_show_why_beside_the_form(world):
    async with client(world) as c:
        await sign_in(c, "tok-moms")
        base = f"/inbox/referrals/{world.raised['moms']}"
        csrf = csrf_of(await c.get(base))
        no_reason = await c.post(base + "/status", data={"csrf_token": csrf, "status": "rejected", "reason": ""})
        assert no_reason.status_code == 422 and "Choose a reason" in text_of(no_reason)
        illegal = await c.post(base + "/status", data={"csrf_token": csrf, "status": "completed"})
        assert illegal.status_code == 422 and "cannot go from requested to completed" in text_of(illegal)
        future = (LATER + timedelta(days=1)).isoformat()
        contact = await c.post(base + "/first-contact", data={"csrf_token": csrf, "contacted_on": future,
                                                               "method": "phone"})
        assert contact.status_code == 422 and f"{future} is in the future" in text_of(contact)
        for written in ("soon", LATER.strftime("%Y%m%d")):   # year-month-day, with its hyphens
            garbled = await c.post(base + "/first-contact", data={"csrf_token": csrf, "contacted_on": written,
                                                                   "method": "phone"})
            assert garbled.status_code == 422 and "Enter the date of first contact" in text_of(garbled)
        assert await status_of(world, "moms") == "requested"

        accepted = await c.post(base + "/status", data={"csrf_token": csrf, "status": "accepted"})
        assert accepted.headers["location"] == base + "?done=status&to=accepted"
        assert "Status changed to accepted." in (await c.get(accepted.headers["location"])).text
        await c.post(base + "/status", data={"csrf_token": csrf, "status": "in-progress"})
        scores = {f"score_{f}": "5" for f in ("motivation_and_taking_responsibility", "self_care_and_living_skills",
                                              "managing_money", "social_networks_and_relationships",
                                              "drug_and_alcohol_misuse", "physical_health",
                                              "emotional_and_mental_health", "meaningful_use_of_time",
                                              "managing_tenancy_and_accommodation")}
        star = await c.post(base + "/outcome-star", data={"csrf_token": csrf, "person_ref": "ix",
                                                          "reading": "opening", **scores, "score_offending": "11"})
        assert star.status_code == 422 and "offending" in text_of(star)
        assert 'value="5"' in star.text, "what was typed is kept"


async def test_an_ineligible_onward_referral_shows_the_routers_explanation(world):
    async with client(world) as c:
        await sign_in(c, "tok-moms")
        base = f"/inbox/referrals/{world.raised['moms']}"
        refused = await c.post(base + "/onward", data={"csrf_token": csrf_of(await c.get(base)),
                                                       "provider": "shelter", "person_refs": ["ix"],
                                                       "reason": "housing"})
        assert refused.status_code == 422
        assert "ix is not_yet from 2026-12-07 for shelter" in text_of(refused)
        assert 'value="ix" checked' in refused.text and 'value="housing" selected' in refused.text
        nobody = await c.post(base + "/onward", data={"csrf_token": csrf_of(refused), "provider": "shelter",
                                                      "reason": "housing"})
        assert nobody.status_code == 422 and "Tick at least one person" in text_of(nobody)
