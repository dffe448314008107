"""Duplicate presentations (../shared/domain/POLICY.md §4): a person with an open provider referral
is not referred to that provider again but linked to the open one, once; a provider closing the
referral (on the provider-activity topic, through the real broker) lets them be referred again."""
import asyncio
import uuid

import pytest
from sqlalchemy import select

from pathways_router.domain.grouping import provider_referral_id
from pathways_router.service_layer.duplicates import GROUP
from pathways_shared.contracts.lifecycle import Status
from pathways_shared.contracts.payloads import ConsentRecorded
from pathways_shared.contracts.referral_parsing import parse_referral
from pathways_shared.contracts.routing_views import routing_view
from pathways_shared.events import EventType, new_event
from pathways_shared.inbox import processed_messages
from pathways_shared.testing.fixtures import publish_events

pytestmark = pytest.mark.integration
H1, H2, H3, H4 = (str(uuid.uuid5(uuid.NAMESPACE_URL, f"household-{n}")) for n in range(1, 5))


def mia_elsewhere(desk, referral_id, crn, carer="Ann"):
    """Another household presenting Mia (same name and date of birth: the same person) and Zoe."""
    return desk.household(referral_id, crn, [
        desk.person("p2", "other_relative", carer, 50),
        desk.person("k1", "grandchild", "Mia", 7, carer_ref="p2"),
        desk.person("k2", "grandchild", "Zoe", 9, carer_ref="p2")])


def persons_of(raised: dict) -> list[tuple[str, str]]:
    return [(p["person_ref"], p["role"]) for p in raised["persons"]]


async def test_a_second_presentation_is_linked_to_the_open_referral_once(desk):
    first = await desk.submit(desk.household(H1))
    open_id = str(provider_referral_id(first, "tmuk"))
    [tmuk] = await desk.raised("tmuk")
    assert tmuk["source"] == "probation_practitioner"
    mia = next(p["pseudonym"] for p in tmuk["persons"] if p["person_ref"] == "c1")

    doc = mia_elsewhere(desk, H2, "X000002")
    second = await desk.submit(doc)
    raised = await desk.raised("tmuk")
    assert len(raised) == 2 and persons_of(raised[1]) == [("k2", "subject"), ("p2", "carer")]
    [dup] = await desk.published(EventType.duplicate_presentation_recorded)
    assert (dup["referral_id"], dup["person_ref"], dup["pseudonym"], dup["open_provider_referral_id"]) == (
        str(second), "k1", mia, open_id)

    # Routing the second household again (a consent change) records nothing new.
    changed = dict(doc, index_person=dict(doc["index_person"], consent_to_contact_family="pending"))
    consent = new_event(EventType.consent_recorded, second, additional_information=ConsentRecorded(
        referral_id=second, revision=2, person_ref="ix", consent="pending",
        routing_view=routing_view(parse_referral(changed))).model_dump(mode="json"))
    assert await desk.router.service.on_referral_event(consent) is True
    assert len(await desk.published(EventType.duplicate_presentation_recorded)) == 1
    assert len(await desk.raised("tmuk")) == 2


async def test_every_person_a_duplicate_raises_nothing(desk):
    await desk.submit(desk.household(H1))
    again = desk.household(H2)  # the same family sent again under a new referral id
    await desk.submit(again)
    assert {r["referral_id"] for r in await desk.published(EventType.provider_referral_raised)} == {H1}
    assert sorted((d["provider"], d["person_ref"]) for d in await desk.published(
        EventType.duplicate_presentation_recorded)) == [("moms", "ix"), ("pops", "p1"), ("shelter", "ix"),
                                                        ("tmuk", "c1")]


async def until_processed(engine, event, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with engine.connect() as conn:
            found = (await conn.execute(select(processed_messages).where(
                processed_messages.c.consumer_group == GROUP,
                processed_messages.c.event_id == event.eventId))).first()
        if found:
            return
        assert asyncio.get_running_loop().time() < deadline, "the status change was not consumed"
        await asyncio.sleep(0.1)


async def test_a_closed_referral_lets_the_person_be_referred_again(broker_desk, kafka_bootstrap):
    desk = broker_desk
    async with desk.consuming():
        activity = desk.router.topics.provider_activity
        await desk.submit(desk.household(H1))
        [tmuk] = await desk.raised("tmuk")
        accepted = desk.status_changed(tmuk, Status.accepted, Status.requested)
        publish_events(kafka_bootstrap, activity, [accepted])
        await until_processed(desk.router.engine, accepted)
        await desk.submit(mia_elsewhere(desk, H3, "X000003"))
        assert [d["person_ref"] for d in await desk.published(EventType.duplicate_presentation_recorded)] == ["k1"]

        completed = desk.status_changed(tmuk, Status.completed)
        publish_events(kafka_bootstrap, activity, [completed])
        await until_processed(desk.router.engine, completed)
        await desk.submit(mia_elsewhere(desk, H4, "X000004", carer="Bel"))
        latest = (await desk.raised("tmuk"))[-1]
        assert latest["referral_id"] == H4
        # Mia is referred again; Zoe is still open with TMUK from the third household.
        assert persons_of(latest) == [("k1", "subject"), ("p2", "carer")]
        assert [(d["referral_id"], d["person_ref"]) for d in await desk.published(
            EventType.duplicate_presentation_recorded)] == [(H3, "k1"), (H4, "k2")]
