"""warnings: each stored forecast records the weather input it used ("forecast" | "none")

Revision ID: 0203_forecast_weather_input
Revises: 0202_weather_forecasts
Create Date: 2026-12-01 19:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0203_forecast_weather_input"
down_revision: str | Sequence[str] | None = "0202_weather_forecasts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("weather_input", sa.String(length=16), server_default="none", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.drop_column("weather_input")
