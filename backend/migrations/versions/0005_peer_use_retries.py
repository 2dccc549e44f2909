"""peer_use_retries: who asked the owner's node again for a use (a retry records nothing on chain)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 15:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peer_use_retries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("grant_id", sa.String(length=80), nullable=False),
        sa.Column("use_index", sa.Integer(), nullable=False),
        sa.Column("officer_hash", sa.String(length=66), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_peer_use_retries_use", "peer_use_retries", ["grant_id", "use_index"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_peer_use_retries_use", table_name="peer_use_retries")
    op.drop_table("peer_use_retries")
