"""Delivery metrics, labelled by provider id only (never anything about a person)."""
from prometheus_client import Counter, Histogram

ATTEMPTED = Counter("pathways_notifier_deliveries_attempted_total", "Webhook delivery attempts", ["provider"])
SUCCEEDED = Counter("pathways_notifier_deliveries_succeeded_total", "Deliveries a provider acknowledged", ["provider"])
FAILED = Counter("pathways_notifier_deliveries_failed_total", "Delivery attempts that failed", ["provider"])
DEAD_LETTERED = Counter("pathways_notifier_deliveries_dead_lettered_total",
                        "Deliveries given up after the last attempt", ["provider"])
LATENCY = Histogram("pathways_notifier_delivery_latency_seconds",
                    "From a provider referral being raised to the provider acknowledging it", ["provider"],
                    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600))
