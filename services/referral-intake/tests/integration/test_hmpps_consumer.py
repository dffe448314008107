"""HMPPS domain events through the real broker into a real database: each stage event, bare or
SNS-wrapped, updates its case and announces ReferralUpdated; repeats, late releases and event
types not acted on change nothing; malformed messages go to the dead-letter topic."""
import asyncio
import json
import shutil
import uuid
from datetime import date

import pytest

from pathways_intake.hmpps import samples
from pathways_intake.hmpps.messages import case_identifiers, decode
from pathways_intake.hmpps.stages import CaseStage
from pathways_intake.hmpps.testing import (
    announced, load_caseload, publish, running_subscriber, settings_for_tests, stored_case, until_settled,
)
from pathways_shared.contracts.vocabulary import Consent, Stage
from pathways_shared.events import EventType
from pathways_shared.testing.fixtures import read_topic

pytestmark = pytest.mark.integration

# What each acted-on sample does to its case (examples/probation/cases.json).
EXPECTED = {
    "prisoner-released-sns-envelope.json": ("licence", "2022-05-04", ["index_person.release_date", "index_person.stage"]),
    "prisoner-received-recalled-sns-envelope.json": ("recalled", None, ["index_person.release_date", "index_person.stage"]),
    "licence-activated-cvl.json": ("licence", "2022-12-04", ["index_person.stage"]),
    "approved-premises-booking-made.json": ("approved_premises", "2022-12-12", ["index_person.stage"]),
    "event-manager-allocated-new-order-sns-envelope.json": ("community_sentence", None, ["index_person.stage"]),
}


@pytest.fixture
def cases_file(request, tmp_path):
    return shutil.copy(request.config.rootpath / "examples" / "probation" / "cases.json", tmp_path / "cases.json")


@pytest.fixture
def shared_dir(request):
    return samples.shared_samples_dir(request.config.rootpath)


@pytest.fixture
def settings(kafka_bootstrap, db_url, cases_file):
    return settings_for_tests(bootstrap_servers=kafka_bootstrap, database_url=db_url,
                              topic=f"test-{uuid.uuid4().hex[:10]}.hmpps", case_source=f"file:{cases_file}")


def shaped(message: dict, shape: str) -> dict:
    event = samples.bare(message)
    return event if shape == "bare" else (message if message is not event else samples.sns(event))


@pytest.mark.parametrize("shape", ["bare", "sns"])
async def test_each_stage_event_moves_its_case_and_re_routes_the_household(settings, cases_file, shared_dir, shape):
    async with running_subscriber(settings) as intake:
        await load_caseload(intake, cases_file)
        bodies = [samples.one_line(shaped(samples.sample(name, shared_dir), shape)) for name in EXPECTED]
        await asyncio.to_thread(publish, settings.kafka_bootstrap_servers, settings.hmpps_events_topic, bodies)
        rows = await until_settled(intake, len(EXPECTED))

        assert sorted((r.status, r.outcome) for r in rows.values()) == [("applied", "updated")] * len(EXPECTED)
        updates = {e.additionalInformation["cause"]: e.additionalInformation for e in await announced(intake)
                   if e.eventType == EventType.referral_updated}
        for name, (stage, release_date, changed) in EXPECTED.items():
            event = samples.bare(samples.sample(name, shared_dir))
            case = await stored_case(intake, samples.ACTED_ON_SAMPLES[name])
            assert (case.revision, case.document["index_person"]["stage"]) == (2, stage), name
            assert case.document["index_person"].get("release_date") == release_date, name
            update = updates[event["eventType"]]
            assert update["changed_fields"] == changed and update["routing_view"]["index_person"]["stage"] == stage
        assert not any(crn.encode() in json.dumps(list(updates.values())).encode()
                       for crn in samples.ACTED_ON_SAMPLES.values()), "events carry no CRN"


async def test_repeats_change_nothing_twice_and_unknown_types_are_skipped(settings, cases_file, shared_dir):
    released = samples.sample("prisoner-released-sns-envelope.json", shared_dir)
    unknown = samples.sample(samples.NOT_ACTED_ON_SAMPLE, shared_dir)
    bodies = [samples.one_line(m) for m in (released, released, samples.bare(released), samples.bare(released))]
    async with running_subscriber(settings) as intake:
        await load_caseload(intake, cases_file)
        topic, servers = settings.hmpps_events_topic, settings.kafka_bootstrap_servers
        await asyncio.to_thread(publish, servers, topic, bodies + [samples.one_line(unknown)])
        rows = await until_settled(intake, 3)  # one partition: the last one settles last

    assert {(r.event_type, r.status, r.outcome, r.attempts) for r in rows.values()} == {
        ("prison-offender-events.prisoner.released", "applied", "updated", 1),     # the SNS message (by MessageId)
        ("prison-offender-events.prisoner.released", "applied", "unchanged", 1),   # the same event bare: no effect
        ("intervention.referral.ended", "skipped", "not acted on", 1),
    }
    assert released["MessageId"] in rows
    assert [e.eventType for e in await announced(intake)].count(EventType.referral_updated) == 1


# The caseload export already has him out on licence (the case file is older): on the event's
# date, or a day before it by probation's own record. Either way the late event changes nothing.
@pytest.mark.parametrize("caseload_release", [date(2022, 5, 4), date(2022, 5, 3)])
async def test_a_late_release_after_the_caseload_said_licence_changes_nothing(
        settings, cases_file, shared_dir, caseload_release):
    async with running_subscriber(settings) as intake:
        await load_caseload(intake, cases_file, {"P100001": CaseStage(Stage.licence, caseload_release)})
        before = await stored_case(intake, "P100001")
        body = samples.one_line(samples.sample("prisoner-released-sns-envelope.json", shared_dir))
        await asyncio.to_thread(publish, settings.kafka_bootstrap_servers, settings.hmpps_events_topic, [body])
        [row] = (await until_settled(intake, 1)).values()
        after = await stored_case(intake, "P100001")

    assert (row.status, row.outcome) == ("applied", "unchanged")
    assert (after.revision, after.document) == (before.revision, before.document)
    assert EventType.referral_updated not in [e.eventType for e in await announced(intake)]


async def test_malformed_messages_are_dead_lettered_and_consumption_carries_on(settings, cases_file, shared_dir):
    malformed = [b"not json", b'{"eventType": "x.y", "version": 1}',
                 json.dumps({"Type": "Notification", "MessageId": "m-1", "Message": "{oops"}).encode(),
                 json.dumps({"Type": "SubscriptionConfirmation", "MessageId": "m-2", "Message": "{}"}).encode(),
                 b'{"eventType": "nul\\u0000here", "version": 1}', b"\x00\x01 binary",
                 # Each of these once held up every message behind it on its partition.
                 b'{"eventType": "odd.\\ud800.type", "version": 1, "occurredAt": "2024-02-01T09:00:00Z"}',
                 b'{"Type": "Notification", "MessageId": "abc\\udc80", "Message": "{}"}',
                 b'{"eventType": "prison-offender-events.prisoner.released", "version": 1, '
                 b'"occurredAt": "0001-01-01T00:30:00+01:00", "personReference": {"identifiers": '
                 b'[{"type": "CRN", "value": "L453621"}]}}',
                 b'{"eventType": "prison-offender-events.prisoner.released", "version": 1, '
                 b'"occurredAt": "2024-02-01T09:00:00Z", "description": "caf\xe9", "personReference": '
                 b'{"identifiers": [{"type": "CRN", "value": "L453621"}]}}',
                 b'{"eventType": "prison-offender-events.prisoner.released", "version": 1, '
                 b'"occurredAt": "0001-01-03T12:00:00Z", "personReference": {"identifiers": '
                 b'[{"type": "CRN", "value": "L453621"}]}}',
                 b'{"eventType": "x", "version": 1, "n": 1' + b"1" * 5000 + b"}"]
    good = samples.one_line(samples.sample("licence-activated-cvl.json", shared_dir))
    async with running_subscriber(settings) as intake:
        topic, servers = settings.hmpps_events_topic, settings.kafka_bootstrap_servers
        await asyncio.to_thread(publish, servers, topic, malformed + [good])
        rows = await until_settled(intake, len(malformed) + 1)
        dead = await asyncio.to_thread(read_topic, servers, topic + ".dlq", expected=len(malformed))

    assert [r.value for r in dead] == malformed
    reasons = [dict(r.headers)["dead-letter-reason"].decode() for r in dead]
    assert "occurredAt" in reasons[1] and "SubscriptionConfirmation" in reasons[3]
    failed = sorted(r.last_error for r in rows.values() if r.status == "failed")
    assert len(failed) == len(malformed) and sorted(reasons) == failed
    assert rows["m-1"].status == "failed", "an SNS MessageId keys the message even when its event is unreadable"
    assert [(r.status, r.outcome) for r in rows.values() if r.status != "failed"] == [("applied", "created")]


class FailingFor:
    """A case source with a fault of its own (not an unavailability it reports) for one event's person."""

    def __init__(self, source, body: bytes):
        self.source, self.identifiers = source, case_identifiers(decode(body))

    async def get_case(self, identifiers):
        if identifiers == self.identifiers:
            raise KeyError(identifiers.crn or identifiers.noms)
        return await self.source.get_case(identifiers)


async def test_a_case_source_failing_unexpectedly_leaves_its_event_unresolved_and_the_next_applied(
        settings, cases_file, shared_dir):
    first, second = (samples.one_line(samples.sample(name, shared_dir))
                     for name in ("licence-activated-cvl.json", "approved-premises-booking-made.json"))
    async with running_subscriber(settings) as intake:
        intake.hmpps.events.source = FailingFor(intake.hmpps.events.source, first)
        await asyncio.to_thread(publish, settings.kafka_bootstrap_servers, settings.hmpps_events_topic, [first, second])
        rows = await until_settled(intake, 2)

    by_type = {r.event_type: (r.status, r.outcome, r.last_error) for r in rows.values()}
    assert by_type == {
        "create-and-vary-a-licence.licence.activated": ("unresolved", None, "the case source failed (KeyError)"),
        "approved-premises.booking.made": ("applied", "created", None)}


def released_before_the_recall() -> dict:
    """A release of the recalled sample's person (R100006) that occurred before that recall (2023-08-04)."""
    return dict(samples.bare(samples.sample("prisoner-released-sns-envelope.json")),
                occurredAt="2023-05-02T09:00:00+01:00",
                additionalInformation={"nomsNumber": "A0006AA", "reason": "RELEASED"},
                personReference={"identifiers": [{"type": "NOMS", "value": "A0006AA"}]})


async def test_an_event_older_than_one_already_applied_to_its_case_is_superseded(settings, cases_file, shared_dir):
    recall = samples.one_line(samples.sample("prisoner-received-recalled-sns-envelope.json", shared_dir))
    older = samples.one_line(released_before_the_recall())
    async with running_subscriber(settings) as intake:
        await load_caseload(intake, cases_file)  # R100006 out on licence since 2023-05-02
        servers, topic = settings.kafka_bootstrap_servers, settings.hmpps_events_topic
        await asyncio.to_thread(publish, servers, topic, [recall])
        await until_settled(intake, 1)
        recalled = await stored_case(intake, "R100006")
        await asyncio.to_thread(publish, servers, topic, [older])  # e.g. redelivered, or retried after the source was down
        rows = await until_settled(intake, 2)
        after = await stored_case(intake, "R100006")

    by_type = {r.event_type: (r.status, r.outcome) for r in rows.values()}
    assert by_type == {"prison-offender-events.prisoner.received": ("applied", "updated"),
                       "prison-offender-events.prisoner.released": ("skipped", "superseded")}
    assert recalled.document["index_person"]["stage"] == "recalled"
    assert (after.revision, after.document) == (recalled.revision, recalled.document)


async def test_a_consent_recorded_in_pathways_outlives_a_later_stage_event(settings, cases_file, shared_dir):
    """P100001's case record says his consent to contact his family is pending; it was granted
    since, through the intake. His release must not take that back."""
    cases = json.loads(cases_file.read_text())
    cases["P100001"]["person"]["consent_to_contact_family"] = "pending"
    cases_file.write_text(json.dumps(cases))
    release = samples.one_line(samples.sample("prisoner-released-sns-envelope.json", shared_dir))
    async with running_subscriber(settings) as intake:
        await load_caseload(intake, cases_file)
        case = await stored_case(intake, "P100001")
        await intake.service.record_consent(case.referral_id, "ix", Consent.granted)
        await asyncio.to_thread(publish, settings.kafka_bootstrap_servers, settings.hmpps_events_topic, [release])
        [row] = (await until_settled(intake, 1)).values()
        after = await stored_case(intake, "P100001")

    assert (row.status, row.outcome) == ("applied", "updated")
    assert after.document["index_person"]["stage"] == "licence"
    assert after.document["index_person"]["consent_to_contact_family"] == "granted"


async def test_an_event_naming_no_one_is_skipped_not_retried(settings, cases_file, shared_dir):
    anonymous = {**samples.bare(samples.sample("licence-activated-cvl.json", shared_dir)),
                 "personReference": {"identifiers": []}, "additionalInformation": {}, "detailUrl": None}
    async with running_subscriber(settings) as intake:
        await asyncio.to_thread(publish, settings.kafka_bootstrap_servers, settings.hmpps_events_topic,
                                [samples.one_line(anonymous)])
        [row] = (await until_settled(intake, 1)).values()

    assert (row.status, row.outcome, row.next_attempt_at, row.referral_id) == ("skipped", "names no person", None, None)
