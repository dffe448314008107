"""Migrations of the notifier database: `pathways db upgrade --service notifier`.

`target_metadata` is the schema they build: the notifier's own tables and the outbox/inbox tables.
"""
from pathways_shared.migrate import combined_metadata

from ..adapters.tables import metadata

target_metadata = combined_metadata(metadata)
