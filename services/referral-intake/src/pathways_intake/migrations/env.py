"""Alembic environment of the intake database; run it with `pathways db`."""
from alembic import context

from pathways_shared.migrate import run_environment
from pathways_intake.migrations import target_metadata

run_environment(context, target_metadata)
