"""Topic names and their creation. Every topic has a `<topic>.dlq` twin for dead letters.

Events are keyed by household referral id, so one household's events share a partition and
stay in order; the partition count only bounds how many consumers of a group can work at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from ..events import EventType

DLQ_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


@dataclass(frozen=True)
class Topics:
    prefix: str = "pathways."

    @property
    def referrals(self) -> str:  # ReferralSubmitted, ConsentRecorded, ReferralUpdated
        return self.prefix + "referrals"

    @property
    def decisions(self) -> str:  # ReferralRouted
        return self.prefix + "decisions"

    @property
    def provider_referrals(self) -> str:  # ProviderReferralRaised, DuplicatePresentationRecorded
        return self.prefix + "provider-referrals"

    @property
    def deliveries(self) -> str:  # ProviderReferralDelivered, ProviderReferralDeliveryFailed
        return self.prefix + "deliveries"

    @property
    def provider_activity(self) -> str:  # what providers do: statuses, contacts, readings, capacity
        return self.prefix + "provider-activity"

    def main(self) -> list[str]:
        return [self.referrals, self.decisions, self.provider_referrals, self.deliveries, self.provider_activity]

    def all(self) -> list[str]:
        """The main topics and their dead-letter twins."""
        return [t for topic in self.main() for t in (topic, dead_letter_topic(topic))]

    def for_event(self, event_type: EventType | str) -> str:
        return {
            EventType.referral_submitted: self.referrals,
            EventType.consent_recorded: self.referrals,
            EventType.referral_updated: self.referrals,
            EventType.referral_routed: self.decisions,
            EventType.provider_referral_raised: self.provider_referrals,
            EventType.provider_referral_delivered: self.deliveries,
            EventType.provider_referral_delivery_failed: self.deliveries,
            EventType.duplicate_presentation_recorded: self.provider_referrals,
            EventType.provider_referral_status_changed: self.provider_activity,
            EventType.first_contact_recorded: self.provider_activity,
            EventType.outcome_star_recorded: self.provider_activity,
            EventType.first_contact_reminder_raised: self.provider_activity,
            EventType.provider_capacity_changed: self.provider_activity,
        }[EventType(event_type)]


def topics_for(settings) -> Topics:
    return Topics(settings.topic_prefix)


def ensure_topics(bootstrap_servers: str, names: Iterable[str], partitions: int = 3,
                  timeout_ms: int = 10_000) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created. Safe to repeat."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=timeout_ms,
                             bootstrap_timeout_ms=timeout_ms, client_id="pathways-topics")
    try:
        missing = sorted(set(names) - set(admin.list_topics()))
        created = []
        for name in missing:
            try:  # one at a time: a topic created meanwhile by another process is not an error
                admin.create_topics([NewTopic(name, partitions, 1)], timeout_ms=timeout_ms)
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()
