"""credit: subjects, records, objections, repairs, commitments, declarations, reports

Revision ID: 0401_credit
Revises: 0001_foundation
Create Date: 2026-12-01 17:49:10.233570
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import jingjinji.db

revision: str = "0401_credit"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "credit_subjects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("registration_authority", sa.String(length=1), nullable=False),
        sa.Column("category", sa.String(length=2), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("legal_representative", sa.String(length=100), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("risk_class", sa.String(length=1), nullable=True),
        sa.Column("risk_score", sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=True),
        sa.Column("risk_computed_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdictions.code"],
            name=op.f("fk_credit_subjects_jurisdiction_code_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_subjects")),
        sa.UniqueConstraint("uscc", name=op.f("uq_credit_subjects_uscc")),
    )
    with op.batch_alter_table("credit_subjects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_subjects_jurisdiction_code"), ["jurisdiction_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_subjects_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_subjects_risk_class"), ["risk_class"], unique=False
        )

    op.create_table(
        "credit_subject_names",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["credit_subjects.id"],
            name=op.f("fk_credit_subject_names_subject_id_credit_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_subject_names")),
    )
    with op.batch_alter_table("credit_subject_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_subject_names_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_subject_names_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "credit_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("source_organisation_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("document_number", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=True),
        sa.Column(
            "penalty_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("fine_10k_cny", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("confiscated_10k_cny", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("licence_suspended_or_revoked", sa.Boolean(), nullable=False),
        sa.Column("licence_number", sa.String(length=120), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "measures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("publication_deadline", sa.Date(), nullable=True),
        sa.Column("published_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.Column("published_late", sa.Boolean(), nullable=True),
        sa.Column("publicity_start", sa.Date(), nullable=True),
        sa.Column("publicity_min_end", sa.Date(), nullable=True),
        sa.Column("publicity_end", sa.Date(), nullable=True),
        sa.Column("publicity_rules", sa.String(length=20), nullable=True),
        sa.Column("withdrawn_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("under_objection", sa.Boolean(), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_credit_records_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdictions.code"],
            name=op.f("fk_credit_records_jurisdiction_code_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["source_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_credit_records_source_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["credit_subjects.id"],
            name=op.f("fk_credit_records_subject_id_credit_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
        sa.UniqueConstraint(
            "source_organisation_id", "kind", "document_number", name="uq_credit_records_document"
        ),
    )
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_records_decision_date"), ["decision_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_records_jurisdiction_code"), ["jurisdiction_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_records_publicity_end"), ["publicity_end"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_records_source_organisation_id"),
            ["source_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_credit_records_status_deadline", ["status", "publication_deadline"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_records_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            "ix_credit_records_subject_kind", ["subject_id", "kind"], unique=False
        )

    op.create_table(
        "credit_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("verification_code", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_credit_reports_requested_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["credit_subjects.id"],
            name=op.f("fk_credit_reports_subject_id_credit_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reports")),
        sa.UniqueConstraint("verification_code", name=op.f("uq_credit_reports_verification_code")),
    )
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_reports_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "credit_self_declarations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("declared_by_name", sa.String(length=100), nullable=False),
        sa.Column("declared_by_user_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declared_by_user_id"],
            ["users.id"],
            name=op.f("fk_credit_self_declarations_declared_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["credit_subjects.id"],
            name=op.f("fk_credit_self_declarations_subject_id_credit_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_self_declarations")),
    )
    with op.batch_alter_table("credit_self_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_self_declarations_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "credit_commitments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("representative_name", sa.String(length=100), nullable=False),
        sa.Column("signed_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_changed_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.Column(
            "broken_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("signed_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broken_record_id"],
            ["credit_records.id"],
            name=op.f("fk_credit_commitments_broken_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_credit_commitments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_user_id"],
            ["users.id"],
            name=op.f("fk_credit_commitments_signed_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["credit_subjects.id"],
            name=op.f("fk_credit_commitments_subject_id_credit_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_commitments")),
    )
    with op.batch_alter_table("credit_commitments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_commitments_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_commitments_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_commitments_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "credit_objections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("objector_name", sa.String(length=200), nullable=False),
        sa.Column("objector_contact", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("decided_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_credit_objections_decided_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_records.id"],
            name=op.f("fk_credit_objections_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["users.id"],
            name=op.f("fk_credit_objections_submitted_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_objections")),
    )
    with op.batch_alter_table("credit_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_objections_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_objections_status"), ["status"], unique=False)

    op.create_table(
        "credit_repairs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_credit_repairs_decided_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_records.id"],
            name=op.f("fk_credit_repairs_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["users.id"],
            name=op.f("fk_credit_repairs_submitted_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_repairs")),
    )
    with op.batch_alter_table("credit_repairs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_repairs_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_repairs_status"), ["status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("credit_repairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_repairs_status"))
        batch_op.drop_index(batch_op.f("ix_credit_repairs_record_id"))

    op.drop_table("credit_repairs")
    with op.batch_alter_table("credit_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_objections_status"))
        batch_op.drop_index(batch_op.f("ix_credit_objections_record_id"))

    op.drop_table("credit_objections")
    with op.batch_alter_table("credit_commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_commitments_subject_id"))
        batch_op.drop_index(batch_op.f("ix_credit_commitments_status"))
        batch_op.drop_index(batch_op.f("ix_credit_commitments_organisation_id"))

    op.drop_table("credit_commitments")
    with op.batch_alter_table("credit_self_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_self_declarations_subject_id"))

    op.drop_table("credit_self_declarations")
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_reports_subject_id"))

    op.drop_table("credit_reports")
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_records_subject_kind")
        batch_op.drop_index(batch_op.f("ix_credit_records_subject_id"))
        batch_op.drop_index("ix_credit_records_status_deadline")
        batch_op.drop_index(batch_op.f("ix_credit_records_source_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_credit_records_publicity_end"))
        batch_op.drop_index(batch_op.f("ix_credit_records_jurisdiction_code"))
        batch_op.drop_index(batch_op.f("ix_credit_records_decision_date"))

    op.drop_table("credit_records")
    with op.batch_alter_table("credit_subject_names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_subject_names_subject_id"))
        batch_op.drop_index(batch_op.f("ix_credit_subject_names_name"))

    op.drop_table("credit_subject_names")
    with op.batch_alter_table("credit_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_subjects_risk_class"))
        batch_op.drop_index(batch_op.f("ix_credit_subjects_name"))
        batch_op.drop_index(batch_op.f("ix_credit_subjects_jurisdiction_code"))

    op.drop_table("credit_subjects")
