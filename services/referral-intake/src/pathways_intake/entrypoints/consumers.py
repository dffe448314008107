"""The intake's FastStream subscriber: routing outcomes and deliveries feed the progress
projection behind GET /v1/referrals/{id}. One consumer (group "referral-intake") for the
four topics, so a start costs one group join; consumed in batches, one transaction each."""
from __future__ import annotations

from faststream.kafka import KafkaBroker, KafkaMessage

from pathways_shared.broker.factory import subscriber_options
from pathways_shared.events import correlation_id_from, decode_event
from pathways_shared.inbox import DEAD_LETTER_ERRORS, dead_letter

from ..bootstrap import Intake
from ..hmpps.subscriber import register_hmpps_subscriber
from ..service_layer.progress import GROUP


# Up to BATCH_RECORDS events a transaction and an offset commit. Fewer than the router takes: a
# routed event (~14 KB of explanations) decodes to ~100 KB of objects, and a behind-hand consumer
# takes full batches, so its memory peaks with this size (bench/feed.py, 100,000 rows, single runs:
# peaks of 203 and 214 MiB with 100 against 227 and 232 with 200, in the same time).
BATCH_RECORDS, BATCH_WAIT_MS = 100, 50


async def _records(_msg) -> None:
    """The batch handler decodes each record itself, so one bad record cannot fail the batch."""


def register_consumers(broker: KafkaBroker, intake: Intake):
    topics = intake.topics

    # provider_referrals is read too: it is where a raised referral's provider is named;
    # provider_activity, for what each provider then reports (status, first contact, reminders).
    @broker.subscriber(topics.decisions, topics.provider_referrals, topics.deliveries, topics.provider_activity,
                       batch=True, max_records=BATCH_RECORDS, batch_timeout_ms=BATCH_WAIT_MS,
                       **subscriber_options(intake.settings, GROUP, decoder=_records))
    async def on_progress_events(msg: KafkaMessage) -> None:
        batch, refused = [], []
        for record in msg.raw_message:
            try:
                batch.append((decode_event(record.value), correlation_id_from(record.headers), record))
            except DEAD_LETTER_ERRORS as exc:
                refused.append((record, exc))
        try:
            await intake.progress.on_events([(event, correlation) for event, correlation, _ in batch])
        except DEAD_LETTER_ERRORS:  # one event can never be handled: the others, one transaction each
            for event, correlation, record in batch:
                try:
                    await intake.progress.on_events([(event, correlation)])
                except DEAD_LETTER_ERRORS as exc:
                    refused.append((record, exc))
        for record, exc in refused:
            await dead_letter(broker, record, exc)

    # HMPPS domain events arrive raw (not in our envelope): their own subscriber and group.
    register_hmpps_subscriber(broker, intake.settings, intake.hmpps.events)
    return on_progress_events
