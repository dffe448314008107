"""The digest kept of each referral as first submitted is keyed, so the intake's table cannot confirm
a guessed document; a referral stored under the older plain digest is still recognised when re-sent."""
import pytest
from sqlalchemy import select, update

from pathways_intake.adapters.tables import referrals
from pathways_intake.domain.referrals import content_hash, unkeyed_content_hash
from pathways_shared.contracts.referral_parsing import parse_referral

pytestmark = pytest.mark.integration


async def stored_digest(intake, referral_id) -> str:
    async with intake.engine.connect() as conn:
        return (await conn.execute(select(referrals.c.content_hash)
                                   .where(referrals.c.referral_id == referral_id))).scalar_one()


async def test_the_stored_digest_is_keyed_and_a_plain_one_is_still_recognised(api, referral):
    client, intake = api
    parsed = parse_referral(referral)
    assert (await client.post("/v1/referrals", json=referral)).status_code == 202
    digest = await stored_digest(intake, parsed.effective_id())
    assert digest == content_hash(parsed, intake.service.pseudonym_key) != unkeyed_content_hash(parsed)

    async with intake.engine.begin() as conn:  # as stored before digests were keyed
        await conn.execute(update(referrals).values(content_hash=unkeyed_content_hash(parsed)))
    again = await client.post("/v1/referrals", json=referral)
    assert again.status_code == 200, again.text
    changed = dict(referral, index_person=dict(referral["index_person"], stage="licence"))
    assert (await client.post("/v1/referrals", json=changed)).status_code == 409
