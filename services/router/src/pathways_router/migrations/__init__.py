"""Migrations of the router database: `pathways db upgrade --service router`.

`target_metadata` is the schema they build: the router's own tables and the outbox/inbox tables.
"""
from pathways_shared.migrate import combined_metadata

from ..adapters.tables import metadata

target_metadata = combined_metadata(metadata)
