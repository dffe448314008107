"""Where a household referral has got to: submitted, routed, then delivered to each provider."""
from __future__ import annotations

from enum import StrEnum
from typing import Iterable


class Delivery(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"      # dead-lettered by the notifier: a person has to look at it


class ReferralStatus(StrEnum):
    submitted = "submitted"
    routed = "routed"
    delivered = "delivered"
    delivery_failed = "delivery_failed"


def referral_status(routed: bool, deliveries: Iterable[Delivery]) -> ReferralStatus:
    """A failure outranks everything, since someone must act on it; `delivered` needs every
    raised provider referral delivered (a household with none raised stays `routed`)."""
    deliveries = list(deliveries)
    if Delivery.failed in deliveries:
        return ReferralStatus.delivery_failed
    if not routed:
        return ReferralStatus.submitted
    if deliveries and all(d is Delivery.delivered for d in deliveries):
        return ReferralStatus.delivered
    return ReferralStatus.routed
