"""warnings: weather forecasts (daily or hourly, per city, with their issue time and source)

Revision ID: 0202_weather_forecasts
Revises: 0201_warnings
Create Date: 2026-12-01 17:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jingjinji.db

revision: str = "0202_weather_forecasts"
down_revision: str | Sequence[str] | None = "0201_warnings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "weather_forecasts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("city_code", sa.String(length=12), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("target_hour", sa.Integer(), nullable=True),
        sa.Column("issued_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("temp_mean", sa.Float(), nullable=True),
        sa.Column("temp_min", sa.Float(), nullable=True),
        sa.Column("temp_max", sa.Float(), nullable=True),
        sa.Column("dewp_mean", sa.Float(), nullable=True),
        sa.Column("rh_mean", sa.Float(), nullable=True),
        sa.Column("pres_mean", sa.Float(), nullable=True),
        sa.Column("wspm_mean", sa.Float(), nullable=True),
        sa.Column("wind_dir_deg", sa.Float(), nullable=True),
        sa.Column("wind_u", sa.Float(), nullable=True),
        sa.Column("wind_v", sa.Float(), nullable=True),
        sa.Column("rain_sum", sa.Float(), nullable=True),
        sa.Column("blh_mean", sa.Float(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("city_code", "target_date", "target_hour", "issued_at", "source"),
    )
    with op.batch_alter_table("weather_forecasts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_weather_forecasts_city_code"), ["city_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_weather_forecasts_target_date"), ["target_date"], unique=False
        )
        batch_op.create_index(
            "uq_weather_forecasts_daily",
            ["city_code", "target_date", "issued_at", "source"],
            unique=True,
            sqlite_where=sa.text("target_hour IS NULL"),
            postgresql_where=sa.text("target_hour IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("weather_forecasts", schema=None) as batch_op:
        batch_op.drop_index("uq_weather_forecasts_daily")
        batch_op.drop_index(batch_op.f("ix_weather_forecasts_target_date"))
        batch_op.drop_index(batch_op.f("ix_weather_forecasts_city_code"))
    op.drop_table("weather_forecasts")
