"""audit: signed checkpoints of the chain head (insert-only) and their deliveries to witnesses

Revision ID: 0003_audit_checkpoints
Revises: 0002_jobs_lease
Create Date: 2026-12-01 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jingjinji.db

revision: str = "0003_audit_checkpoints"
down_revision: str | Sequence[str] | None = "0002_jobs_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Checkpoints are append-only like the entries they sign: UPDATE and DELETE are refused.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""",
    """CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""",
]
_PG_TRIGGERS = [
    """CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_checkpoints is append-only'; END $$""",
    """CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
       FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("prev_checkpoint", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_checkpoints_seq")),
    )
    op.create_table(
        "audit_checkpoint_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_number", sa.Integer(), nullable=False),
        sa.Column("witness_url", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkpoint_number"],
            ["audit_checkpoints.number"],
            name=op.f("fk_audit_checkpoint_deliveries_checkpoint_number_audit_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint_deliveries")),
        sa.UniqueConstraint(
            "checkpoint_number",
            "witness_url",
            name=op.f("uq_audit_checkpoint_deliveries_checkpoint_number_witness_url"),
        ),
    )
    with op.batch_alter_table("audit_checkpoint_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_checkpoint_deliveries_checkpoint_number"),
            ["checkpoint_number"],
            unique=False,
        )
    dialect = op.get_bind().dialect.name
    for statement in _PG_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_checkpoints_no_change ON audit_checkpoints")
        op.execute("DROP FUNCTION audit_checkpoints_append_only()")
    op.drop_table("audit_checkpoint_deliveries")
    op.drop_table("audit_checkpoints")
