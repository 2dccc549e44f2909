"""peer_releases.release_tx: the UsageRights.recordRelease transaction of each ledger row (NULL: still owed to the chain)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("peer_releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("release_tx", sa.String(length=66), nullable=True))
        batch_op.create_index(batch_op.f("ix_peer_releases_release_tx"), ["release_tx"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("peer_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_releases_release_tx"))
        batch_op.drop_column("release_tx")
