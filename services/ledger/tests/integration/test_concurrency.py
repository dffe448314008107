"""Two consumers appending at once, each with its own engine and connections, as two processes would."""
import asyncio

import pytest

from pathways_ledger.bootstrap import bootstrap

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
async def consumers(ledger, db_url):
    pair = [bootstrap(database_url=db_url) for _ in range(2)]
    yield pair
    for consumer in pair:
        await consumer.close()


async def test_concurrent_writers_extend_one_unbroken_chain(ledger, consumers, envelope):
    async def consume(consumer, numbers):
        for n in numbers:
            await consumer.record_event(envelope(n))

    await asyncio.gather(consume(consumers[0], range(0, 120, 2)), consume(consumers[1], range(1, 120, 2)),
                         consumers[0].record_events([envelope(n) for n in range(200, 260)]),
                         consumers[1].record_events([envelope(n) for n in range(300, 360)]))
    result = await ledger.verify()
    assert result.intact, result.first_break
    assert result.entries_checked == result.head_seq == 240
    stored = {entry.entry_id for entry in await ledger.store.page(None, 1000)}
    assert stored == {envelope(n)["eventId"] for n in [*range(120), *range(200, 260), *range(300, 360)]}


async def test_the_same_events_delivered_to_both_consumers_are_recorded_once(ledger, consumers, envelope):
    batch = [envelope(n) for n in range(40)]

    async def consume(consumer):
        return [await consumer.record_event(doc) for doc in batch]

    first, second = await asyncio.gather(consume(consumers[0]), consume(consumers[1]))
    assert first == second  # each saw the one entry recorded for every event
    result = await ledger.verify()
    assert result.intact and result.entries_checked == 40
