"""Migrations of the ledger database: `pathways db upgrade --service ledger`.

`target_metadata` is the schema they build: the ledger's table alone. The ledger publishes
nothing and keeps its own idempotency in the chain, so it has no outbox or inbox tables.
"""
from pathways_shared.migrate import combined_metadata

from ..adapters.schema import metadata

target_metadata = combined_metadata(metadata, plumbing=False)
