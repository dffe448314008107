"""The report's fast read path (raw cursor, payloads left unread where the fold only counts) gives
byte for byte the report of a straightforward computation: every entry read through the ORM,
decoded with the standard library, and folded."""
import gc
import json
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pathways_ledger.adapters.rendering.files import report_json, table_csv
from pathways_ledger.domain.report.build import INTERNAL, PUBLISHED, ReportBuilder, build_report
from pathways_ledger.domain.report.config import Month
from pathways_ledger.service_layer.reports import REPORTED, monthly_report
from pathways_ledger.testing.events import Events

from ..unit.report.month_scenario import november

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
PROVIDERS = ("pops", "tmuk", "shelter", "moms", "magistra")


def households(count: int, seed: int = 11) -> Events:
    """Referrals from September to January: routed (some twice), raised onward, delivered,
    contacted, moved through their statuses, read on the Outcomes Star; duplicates and reminders."""
    rng, e = random.Random(seed), Events(seed=seed)
    for n in range(count):
        start = datetime(2026, 9, 1, 8, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))
        referral = uuid.UUID(int=(1 << 70) + n)
        persons = {f"p{i}": (f"pp_{seed}x{n}x{i}", None if rng.random() < 0.2 else {
            "age_band": rng.choice(("0-4", "5-10", "18-24", "30-49")), "sex": rng.choice(("female", "male")),
            "ethnicity_group": rng.choice(("white", "mixed", "not_stated")),
            "local_authority": rng.choice(("liverpool", "wirral")),
            "missing": rng.sample(["postcode", "contact", "ethnicity"], rng.randint(0, 2))}) for i in range(2)}
        e.submitted(referral, start, source=rng.choice(("court", "prison", "self")), persons=persons)
        for revision in range(1, rng.randint(1, 2) + 1):
            e.routed(referral, start + timedelta(hours=revision), [
                (ref, prov, rng.choice(("eligible", "stretch", "review", "ineligible", "held")),
                 [(rng.choice(("TMUK-1", "POPS-3", "MOMS-6", "SHEL-1")), rng.choice(("fail", "review")))])
                for ref in persons for prov in ("pops", "tmuk")], revision=revision)
        parent, at = None, start
        for provider in rng.sample(PROVIDERS, rng.randint(1, 3)):
            at += timedelta(days=rng.randint(0, 15), hours=rng.randint(0, 23))
            ref, (pseudonym, _) = rng.choice(list(persons.items()))
            pr = e.raised(referral, at, provider, [(ref, pseudonym)], parent=parent and parent[0],
                          source=f"provider:{parent[1]}" if parent else "court", waitlisted=rng.random() < 0.1)
            e.delivered(referral, pr, provider, at + timedelta(hours=1))
            if rng.random() < 0.8:
                e.first_contact(referral, pr, provider, at + timedelta(days=3), (at + timedelta(days=3)).date())
            if rng.random() < 0.2:
                e.reminder(referral, pr, provider, at + timedelta(days=8), at.date(), (at + timedelta(days=7)).date())
            if rng.random() < 0.15:
                e.duplicate(referral, provider, at + timedelta(hours=2), ref, pseudonym, pr)
            steps = [("requested", "accepted"), ("accepted", "in-progress"), ("in-progress", "completed")]
            if rng.random() < 0.2:
                steps = [("requested", "rejected")]
            for i, (frm, to) in enumerate(steps[:rng.randint(1, len(steps))]):
                e.status(referral, pr, provider, at + timedelta(days=4 + 9 * i), frm, to,
                         "family_refused" if to == "rejected" else None)
            for day in (5, 40):
                e.star(referral, pr, provider, at + timedelta(days=day), pseudonym, "review",
                       {"managing_money": rng.randint(1, 10), "offending": rng.randint(1, 10)})
            parent = (pr, provider)
    e.capacity("pops", datetime(2026, 10, 20, tzinfo=UTC), "has_capacity", "waitlist")
    e.capacity("pops", datetime(2026, 12, 3, tzinfo=UTC), "waitlist", "has_capacity")
    return e


@pytest.fixture
async def filled(ledger):
    scenario, _ = november()
    await ledger.record_events(scenario.out)
    await ledger.record_events(households(60).out)
    return ledger


async def straightforward(store) -> list[tuple[str, datetime, dict]]:
    """Every entry of the ledger through the ORM, decoded with the standard library."""
    events, after = [], None
    while page := await store.page(after, 50):
        events += [(e.event_type, e.occurred_at, json.loads(e.payload_json)["additionalInformation"])
                   for e in page if e.event_type in REPORTED]
        after = page[-1].seq
    return events


@pytest.mark.parametrize("month", ["2026-10", "2026-11", "2026-12"])
@pytest.mark.parametrize("variant", [INTERNAL, PUBLISHED])
async def test_the_fast_path_gives_the_straightforward_report_byte_for_byte(filled, month, variant):
    wanted = Month.parse(month)
    expected = build_report(await straightforward(filled.store), wanted, variant=variant)
    found = await monthly_report(wanted, store=filled.store, variant=variant)
    assert expected.table("caseload").rows and found.events_read == expected.events_read > 500
    assert [table_csv(t) for t in found.tables] == [table_csv(t) for t in expected.tables]
    head = await filled.store.head()
    assert (found.head_seq, found.head_hash) == (head.seq, head.hash)
    assert json.loads(report_json(found))["tables"] == json.loads(report_json(expected))["tables"]
    assert gc.isenabled()


async def test_events_come_in_seq_order_with_information_only_where_the_fold_reads_it(filled):
    month = Month.parse("2026-11")
    wanted = ReportBuilder(month).fold.information_wanted()
    head, read = await filled.store.head(), []
    async for page in filled.store.events(REPORTED, upto_seq=head.seq, wanted=wanted, before=month.end, page_size=7):
        assert 0 < len(page) <= 7
        read += page
    everything = await straightforward(filled.store)
    assert [(kind, at) for kind, at, _ in read] == [(kind, at) for kind, at, _ in everything]
    unread = 0
    for (kind, at, info), (_, _, full) in zip(read, everything):
        since = wanted.get(kind)
        if kind in wanted and at < month.end and (since is None or at >= since):
            assert info == full
        else:
            assert info == {}
            unread += 1
    assert unread > 100 and any(kind == "pathways.referral.routed" and at < month.start and info == {}
                                for kind, at, info in read)
    assert all(at.tzinfo is not None and at.utcoffset() == timedelta(0) for _, at, _ in read)


async def test_nothing_is_read_past_the_head_it_was_asked_for(filled):
    head = await filled.store.head()
    pages = [page async for page in filled.store.events(REPORTED, upto_seq=head.seq - 5)]
    assert sum(map(len, pages)) == len([e for e in (await filled.store.page(None, head.seq - 5))
                                        if e.event_type in REPORTED])
