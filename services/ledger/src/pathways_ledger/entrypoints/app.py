"""The ledger process: consumes every referral event into the chain and serves the trail.
Run: `python -m pathways_ledger`."""
from __future__ import annotations

from pathways_shared.broker.factory import make_kafka_broker
from pathways_shared.telemetry import configure_logging

from ..bootstrap import ledger_settings
from .consumers import register_consumers
from .http import create_app

settings = ledger_settings()
broker = make_kafka_broker(settings)
http = create_app(settings, broker)
register_consumers(broker, http.state.ledger, settings)
configure_logging(settings.service_name)
