"""officers (accounts with argon2id password, encrypted TOTP secret and its last used step, row MAC); api_tokens gain
officer, kind, scopes and a row MAC

Tokens issued before this revision carry no MAC and stop authenticating: issue new ones
(``govchain keys token`` / ``govchain node token``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    # a database made by create_all before migrations (stamped at the baseline) already has
    # the new api_tokens columns; only a migrated one needs them added
    if "officers" not in set(inspector.get_table_names()):
        _create_officers()
    if "mac" not in {c["name"] for c in inspector.get_columns("api_tokens")}:
        _extend_api_tokens()


def _create_officers() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("member_role", sa.String(length=16), nullable=False),
        sa.Column("principal", sa.String(length=66), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret_enc", sa.String(length=200), nullable=False),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )


def _extend_api_tokens() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("officer", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="client"))
        batch_op.add_column(sa.Column("scopes", sa.String(length=400), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_index("ix_api_tokens_officer", ["officer"], unique=False)
    # the defaults only filled existing rows (whose empty MAC authenticates nothing)
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("scopes", server_default=None)
        batch_op.alter_column("mac", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_officer")
        batch_op.drop_column("mac")
        batch_op.drop_column("scopes")
        batch_op.drop_column("kind")
        batch_op.drop_column("officer")
    op.drop_table("officers")
