"""peer_release_nonces.expires_at indexed: expired nonces are pruned in bounded batches

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("peer_release_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_release_nonces_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("peer_release_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_release_nonces_expires_at"))
