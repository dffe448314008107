"""Migrations of the intake database: `pathways db upgrade --service referral-intake`.

`target_metadata` is the schema they build: the intake's own tables and the outbox/inbox tables.
"""
from pathways_shared.migrate import combined_metadata

from ..adapters.tables import metadata

target_metadata = combined_metadata(metadata)
