"""The protected store (per-person data keys, who each person of a referral is, sealed personal
fields) and the append-only access audit with its guards.

Referrals stored before this revision keep their clear documents until the intake starts: it
then seals them (service_layer.intake.IntakeService.seal_unsealed).

Revision ID: intake_0003
Revises: intake_0002
"""
import sqlalchemy as sa
from alembic import op

from pathways_intake.adapters import audit

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_keys",
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("master_key_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shredded_for", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_index("ix_person_keys_pseudonym", "person_keys", ["pseudonym"])
    op.create_table(
        "referral_persons",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", "person_ref"),
    )
    op.create_index("ix_referral_persons_pseudonym", "referral_persons", ["pseudonym"])
    op.create_table(
        "personal_fields",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", "person_ref", "field"),
    )
    op.create_index("ix_personal_fields_key_id", "personal_fields", ["key_id"])
    op.create_table(
        "access_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("caller", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_access_audit_read_at", "access_audit", ["read_at"])
    op.create_index("ix_access_audit_pseudonym", "access_audit", ["pseudonym"])
    audit.install_guards(op.get_bind())


def downgrade() -> None:
    audit.drop_guards(op.get_bind())
    for table in ("access_audit", "personal_fields", "referral_persons", "person_keys"):
        op.drop_table(table)  # their indexes go with them
