"""HMPPS messages as they arrive (bare or SNS-wrapped), their inbox keys, what is malformed, and
the file-backed case source the demo and tests use."""
import base64
import hashlib
import json
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from pathways_intake.bootstrap import IntakeSettings
from pathways_intake.domain.case_key import case_referral_id
from pathways_intake.hmpps import samples
from pathways_intake.hmpps.cases import CaseSourceUnavailable, household_referral
from pathways_intake.hmpps.file_source import FileCaseSource
from pathways_intake.hmpps.messages import CaseIdentifiers, case_identifiers, decode, identify
from pathways_intake.hmpps.stages import CaseStage
from pathways_intake.hmpps.wiring import case_source_from
from pathways_shared.contracts.vocabulary import Stage
from pathways_shared.events import MalformedEvent
from pathways_shared.jsonsafe import JSONUnreadable
from pathways_shared.testing.fixtures import required_missing

ALL = [*samples.ACTED_ON_SAMPLES, samples.NOT_ACTED_ON_SAMPLE]

KEY = b"test-pseudonym-key-0123456789"


@pytest.fixture
def cases_file(request):
    return request.config.rootpath / "examples" / "probation" / "cases.json"


@pytest.mark.parametrize("name", ALL)
def test_bare_and_sns_shapes_decode_to_the_same_event(name):
    message = samples.sample(name)
    event = samples.bare(message)
    assert decode(samples.one_line(event)) == decode(samples.one_line(samples.sns(event))) == decode(json.dumps(message))


@pytest.mark.parametrize("name", ALL)
def test_the_samples_held_here_match_the_published_ones(name, request):
    shared = samples.shared_samples_dir(request.config.rootpath)
    if not shared.is_dir():
        required_missing("the published samples are not beside the repository")
    assert (shared / name).is_file(), f"{name} is no longer among the published samples"
    published, held = samples.sample(name, shared), samples.sample(name)
    for field in ("eventType", "version", "occurredAt", "personReference", "detailUrl"):
        assert decode(json.dumps(published)).model_dump()[field] == decode(json.dumps(held)).model_dump()[field]
    assert identify(samples.one_line(published)).message_id == identify(samples.one_line(held)).message_id


def test_the_inbox_key_is_the_sns_message_id_else_the_digest_of_the_body():
    released = samples.sample("prisoner-released-sns-envelope.json")
    assert identify(samples.one_line(released)).message_id == "682dd2a4-c193-461c-a8e9-cc976a961aa5"
    body = samples.one_line(samples.bare(released))
    assert identify(body).message_id == hashlib.sha256(body).hexdigest()
    assert identify(body).event_type == "prison-offender-events.prisoner.released"
    assert identify(b"\xff\xfe not json") == identify(b"\xff\xfe not json")
    assert identify(b"\xff\xfe not json").event_type is None


def test_identifiers_come_from_the_person_reference_or_the_prison_noms_number():
    released = decode(json.dumps(samples.sample("prisoner-released-sns-envelope.json")))
    assert case_identifiers(released) == CaseIdentifiers(None, "A0001AA", None)
    licence = decode(json.dumps(samples.sample("licence-activated-cvl.json")))
    assert case_identifiers(licence).crn == "L453621" and case_identifiers(licence).detail_url.startswith("http")
    only_noms = decode(json.dumps({"eventType": "x", "version": 1, "occurredAt": "2022-05-04T07:03:50Z",
                                   "additionalInformation": {"nomsNumber": "a0001aa"}}))
    assert case_identifiers(only_noms) == CaseIdentifiers(None, "A0001AA", None)


def test_the_day_something_happened_is_the_london_date():
    late_evening = decode(json.dumps({"eventType": "x", "version": 1, "occurredAt": "2022-05-03T23:30:00Z"}))
    assert late_evening.occurred_on() == date(2022, 5, 4)  # 00:30 British Summer Time
    winter = decode(json.dumps({"eventType": "x", "version": 1, "occurredAt": "2022-12-03T23:30:00Z"}))
    assert winter.occurred_on() == date(2022, 12, 3)


def test_empty_fields_written_as_null_are_fields_not_given():
    event = decode(json.dumps({"eventType": "x", "version": 1, "occurredAt": "2022-05-03T23:30:00Z",
                               "additionalInformation": None, "personReference": None, "detailUrl": None}))
    assert (event.additionalInformation, event.personReference, event.detailUrl) == ({}, None, None)
    no_identifiers = decode(json.dumps({"eventType": "x", "version": 1, "occurredAt": "2022-05-03T23:30:00Z",
                                        "personReference": {"identifiers": None}}))
    assert no_identifiers.personReference.identifiers == [] and not case_identifiers(no_identifiers)
    with pytest.raises(ValidationError):
        decode(json.dumps({"eventType": "x", "version": 1, "occurredAt": "2022-05-03T23:30:00Z",
                           "additionalInformation": [1]}))


@pytest.mark.parametrize("body, error", [
    (b"not json", ValueError),
    (b"[1, 2]", MalformedEvent),
    (b'{"eventType": "x", "version": 1}', ValidationError),                        # occurredAt is required
    (b'{"eventType": "x", "version": 1, "occurredAt": "2022-05-04T07:03:50"}', ValidationError),  # no offset
    (b'{"Type": "Notification", "MessageId": "m", "Message": "{oops"}', ValueError),
    (b'{"Type": "SubscriptionConfirmation", "MessageId": "m", "Message": "{}"}', MalformedEvent),
    # Outside the calendar once in UTC, or as a London date: nothing could store it.
    (b'{"eventType": "x", "version": 1, "occurredAt": "0001-01-01T00:30:00+01:00"}', ValidationError),
    (b'{"eventType": "x", "version": 1, "occurredAt": "9999-12-31T23:30:00-01:00"}', ValidationError),
    (b'{"eventType": "x", "version": 1, "occurredAt": "0001-01-03T12:00:00Z"}', ValidationError),  # a week on
    (b'{"eventType": "x", "version": 1, "occurredAt": "2024-02-01T09:00:00Z", "n": 1' + b"1" * 5000 + b"}",
     JSONUnreadable),
    # Read as the inbox keeps them, not as json would guess from the bytes: not JSON.
    ("\ufeff{}".encode(), json.JSONDecodeError), ('{"eventType": "x"}'.encode("utf-16-le"), json.JSONDecodeError),
    # Half a UTF-16 pair is no character: in the event, or in an SNS notification's Message.
    (b'{"eventType": "odd.\\ud800.type", "version": 1, "occurredAt": "2024-02-01T09:00:00Z"}', MalformedEvent),
    (b'{"Type": "Notification", "MessageId": "m", "Message": "{\\"eventType\\": \\"x\\", \\"version\\": 1, '
     b'\\"occurredAt\\": \\"2024-02-01T09:00:00Z\\", \\"description\\": \\"\\\\udc80\\"}"}', MalformedEvent),
    (b'{"eventType": "x", "version": 1, "occurredAt": "2024-02-01T09:00:00Z", "description": "caf\xe9"}',
     UnicodeDecodeError),   # not UTF-8 (dead-lettered as such)
])
def test_malformed_messages_are_refused_with_a_reason(body, error):
    with pytest.raises(error):
        decode(body)


async def test_the_case_file_finds_cases_by_crn_or_noms_number(cases_file, tmp_path):
    source = FileCaseSource(cases_file)
    by_noms = await source.get_case(CaseIdentifiers(noms="A0001AA"))
    assert by_noms is not None and by_noms.crn == "P100001"
    assert (await source.get_case(CaseIdentifiers(crn="L453621"))).person.stage is Stage.custody
    assert await source.get_case(CaseIdentifiers(crn="Z999999")) is None
    with pytest.raises(CaseSourceUnavailable, match="unreadable"):
        await FileCaseSource(tmp_path / "missing.json").get_case(CaseIdentifiers(crn="P100001"))
    (tmp_path / "broken.json").write_text('{"P100001": {"person": {"sex": "male"}}}')
    with pytest.raises(CaseSourceUnavailable, match="invalid case") as raised:
        await FileCaseSource(tmp_path / "broken.json").get_case(CaseIdentifiers(crn="P100001"))
    assert "P100001" not in str(raised.value)


async def test_a_case_makes_a_household_referral_under_its_case_id(cases_file):
    record = await FileCaseSource(cases_file).get_case(CaseIdentifiers(crn="P100001"))
    referral = household_referral(record, CaseStage(Stage.licence, date(2022, 5, 4)),
                                  referred_at=datetime(2022, 5, 4, 8, tzinfo=UTC), case_key=KEY)
    index = referral.index_person
    assert (index.stage, index.release_date) == (Stage.licence, date(2022, 5, 4))
    assert [(i.type.value, i.value) for i in index.identifiers] == [("CRN", "P100001"), ("NOMS", "A0001AA")]
    assert referral.source.type.value == "probation_auto_feed" and len(referral.family_members) == 2
    assert referral.effective_id() == case_referral_id("P100001", KEY)


@pytest.mark.parametrize("recorded, told, kept", [
    ("granted", "pending", "granted"),      # recorded in Pathways since; the case record has not caught up
    ("refused", "not_asked", "refused"),
    ("refused", "granted", "refused"),      # a refusal is withdrawn where consent is recorded, not by a stage event
    ("granted", "refused", "refused"),      # probation's refusal is taken
    ("pending", "granted", "granted"),
    ("not_asked", "pending", "pending"),
])
async def test_a_stage_event_keeps_the_consent_decisions_recorded_for_the_case(cases_file, tmp_path, recorded, told,
                                                                              kept):
    cases = json.loads(cases_file.read_text())
    cases["P100001"]["person"]["consent_to_contact_family"] = told
    for member in cases["P100001"]["family_members"]:
        member["consent_to_contact"] = told
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    record = await FileCaseSource(tmp_path / "cases.json").get_case(CaseIdentifiers(crn="P100001"))
    held = {"index_person": {"consent_to_contact_family": recorded},
            "family_members": [{"person_ref": m.person_ref, "consent_to_contact": recorded}
                               for m in record.family_members[:1]]}
    referral = household_referral(record, CaseStage(Stage.licence, date(2022, 5, 4)), recorded=held,
                                  referred_at=datetime(2022, 5, 4, 8, tzinfo=UTC), case_key=KEY)
    assert referral.index_person.consent_to_contact_family.value == kept
    assert [m.consent_to_contact.value for m in referral.family_members] == [kept, told], (
        "a member the intake does not hold yet takes the case record's")


def test_the_case_source_setting_names_a_file_or_an_api():
    assert case_source_from(None) is None
    assert case_source_from("file:examples/probation/cases.json").path.name == "cases.json"
    assert case_source_from("http:http://cases.internal/api/").base_url == "http://cases.internal/api"
    assert case_source_from("https://cases.internal/api").base_url == "https://cases.internal/api"
    with pytest.raises(ValueError):
        case_source_from("ftp:somewhere")
    for relative in ("http:cases.internal/api", "http:/api", "https:", "http:http:/x"):
        with pytest.raises(ValueError, match="absolute"):
            case_source_from(relative)
    with pytest.raises(ValidationError, match="probation_case_source"):
        IntakeSettings(probation_case_source="http:cases.internal/api", pseudonym_key="k" * 32,
                       master_key=base64.b64encode(bytes(32)).decode())
    blank = IntakeSettings(probation_case_source=" ", pseudonym_key="k" * 32,
                           master_key=base64.b64encode(bytes(32)).decode())
    assert blank.probation_case_source is None, "PROBATION_CASE_SOURCE= in an env file: none, as unset"


def test_a_character_escaped_as_a_utf16_pair_is_a_character_and_any_event_type_is_read():
    event = decode(b'{"eventType": "x", "version": 1, "occurredAt": "2024-02-01T09:00:00Z", '
                   b'"description": "\\ud83d\\ude00"}')
    assert event.description == "\U0001F600"
    assert decode(json.dumps({"eventType": "x" * 300, "version": 1, "occurredAt": "2024-02-01T09:00:00Z"}).encode())


def test_a_message_that_cannot_be_read_is_still_identified_by_what_can_be_stored():
    odd_type = b'{"eventType": "odd.\\ud800.type", "version": 1, "occurredAt": "2024-02-01T09:00:00Z"}'
    assert identify(odd_type).message_id == hashlib.sha256(odd_type).hexdigest()
    odd_id = b'{"Type": "Notification", "MessageId": "abc\\udc80", "Message": "{}"}'
    assert identify(odd_id).message_id == hashlib.sha256(odd_id).hexdigest(), "not a MessageId SNS would send"
