"""Alembic environment of the ledger database; run it with `pathways db`."""
from alembic import context

from pathways_shared.migrate import run_environment
from pathways_ledger.migrations import target_metadata

run_environment(context, target_metadata)
