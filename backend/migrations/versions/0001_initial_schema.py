"""Initial schema: the tables create_all made before migrations existed.

A baseline that adopts older databases: each table (with its indexes) is created
only if missing, so a database with some of these tables is completed, not
broken. ``init_db`` stamps a database with all of them at this revision directly.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _hex32(name: str, *, nullable: bool = False) -> sa.Column:
    """0x + 32 bytes in hex (hashes)."""
    return sa.Column(name, sa.String(length=66), nullable=nullable)


def _address(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=42), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _signer_and_key(*, key_nullable: bool = False) -> list[sa.Column]:
    """An outbox row's owner: the signing account and the write's Idempotency-Key."""
    return [_address("signer"), sa.Column("idempotency_key", sa.String(length=200), nullable=key_nullable)]


def _error_and_times() -> list[sa.Column]:
    """An outbox row's last error and when it was written and last changed."""
    return [sa.Column("error", sa.Text(), nullable=True), _time("created_at"), _time("updated_at")]


_CHAIN_EVENT_LOOKUPS = (
    ("department", "department"),
    ("event", "event"),
    ("grant", "grant_id"),
    ("incident", "incident_id"),
    ("officer", "officer_hash"),
    ("request", "request_id"),
    ("resource", "resource_id"),
    ("subject", "subject_hash"),
)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "api_tokens" not in existing:
        op.create_table(
            "api_tokens",
            _id(),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("role", sa.String(length=16), nullable=False),
            _hex32("principal"),
            sa.Column("label", sa.String(length=200), nullable=False),
            _time("created_at"),
            _time("expires_at", nullable=True),
            _time("revoked_at", nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token_hash"),
        )
        op.create_index("ix_api_tokens_principal", "api_tokens", ["principal"], unique=False)

    if "chain_events" not in existing:
        op.create_table(
            "chain_events",
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            _hex32("block_hash"),
            sa.Column("block_time", sa.BigInteger(), nullable=True),
            _hex32("tx_hash"),
            sa.Column("log_index", sa.Integer(), nullable=False),
            sa.Column("contract", sa.String(length=64), nullable=False),
            _address("address"),
            sa.Column("event", sa.String(length=64), nullable=False),
            sa.Column("args", sa.JSON(), nullable=False),
            sa.Column("resource_id", sa.String(length=80), nullable=True),
            sa.Column("grant_id", sa.String(length=80), nullable=True),
            sa.Column("request_id", sa.String(length=80), nullable=True),
            sa.Column("incident_id", sa.String(length=80), nullable=True),
            _address("department", nullable=True),
            _hex32("officer_hash", nullable=True),
            _hex32("subject_hash", nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("tx_hash", "log_index", name="uq_chain_events_tx_log"),
        )
        op.create_index("ix_chain_events_block", "chain_events", ["block_number", "log_index"], unique=False)
        # the event index's look-ups: each column, in chain order
        for name, column in _CHAIN_EVENT_LOOKUPS:
            op.create_index(
                f"ix_chain_events_{name}", "chain_events", [column, "block_number", "log_index"], unique=False
            )
        op.create_index("ix_chain_events_time", "chain_events", ["block_time"], unique=False)

    if "document_keys" not in existing:
        op.create_table(
            "document_keys",
            _id(),
            _hex32("content_hash"),
            _address("department"),
            sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
            _time("created_at"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("content_hash", "department", name="uq_document_keys_hash_dept"),
        )
        op.create_index("ix_document_keys_content_hash", "document_keys", ["content_hash"], unique=False)

    if "documents" not in existing:
        op.create_table(
            "documents",
            _hex32("content_hash"),
            _address("owner"),
            sa.Column("resource_id", sa.String(length=80), nullable=True),
            sa.Column("version", sa.Integer(), nullable=True),
            sa.Column("media_type", sa.String(length=255), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
            _time("stored_at"),
            sa.PrimaryKeyConstraint("content_hash"),
        )
        op.create_index("ix_documents_resource_id", "documents", ["resource_id"], unique=False)

    if "indexer_cursor" not in existing:
        op.create_table(
            "indexer_cursor",
            sa.Column("name", sa.String(length=64), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            _hex32("block_hash"),
            _time("updated_at"),
            sa.PrimaryKeyConstraint("name"),
        )

    if "outbox" not in existing:
        op.create_table(
            "outbox",
            _id(),
            *_signer_and_key(key_nullable=True),
            sa.Column("nonce", sa.BigInteger(), nullable=False),
            sa.Column("contract_name", sa.String(length=100), nullable=False),
            sa.Column("fn_name", sa.String(length=100), nullable=False),
            _address("to_address"),
            sa.Column("data", sa.Text(), nullable=False),
            sa.Column("raw_tx", sa.Text(), nullable=False),
            _hex32("tx_hash"),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=True),
            sa.Column("gas_used", sa.BigInteger(), nullable=True),
            sa.Column("revert", sa.JSON(), nullable=True),
            sa.Column("events", sa.JSON(), nullable=True),
            *_error_and_times(),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("signer", "idempotency_key", name="uq_outbox_signer_key"),
            sa.UniqueConstraint("tx_hash"),
        )
        op.create_index("ix_outbox_signer_nonce", "outbox", ["signer", "nonce"], unique=False)
        op.create_index("ix_outbox_status", "outbox", ["status"], unique=False)

    if "outbox_fetches" not in existing:
        op.create_table(
            "outbox_fetches",
            _id(),
            *_signer_and_key(),
            sa.Column("version", sa.BigInteger(), nullable=False),
            _hex32("content_hash"),
            _time("created_at"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("signer", "idempotency_key", name="uq_outbox_fetches_signer_key"),
        )

    if "outbox_uses" not in existing:
        op.create_table(
            "outbox_uses",
            _id(),
            *_signer_and_key(),
            sa.Column("grant_id", sa.String(length=80), nullable=False),
            _hex32("officer_hash"),
            _hex32("subject_hash"),
            _hex32("context_ref"),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("batch_tx_id", sa.Integer(), nullable=True),
            sa.Column("position", sa.Integer(), nullable=True),
            sa.Column("use_index", sa.BigInteger(), nullable=True),
            _hex32("tx_hash", nullable=True),
            sa.Column("block_number", sa.BigInteger(), nullable=True),
            sa.Column("event", sa.JSON(), nullable=True),
            sa.Column("revert", sa.JSON(), nullable=True),
            *_error_and_times(),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("signer", "idempotency_key", name="uq_outbox_uses_signer_key"),
        )
        op.create_index("ix_outbox_uses_batch", "outbox_uses", ["batch_tx_id"], unique=False)
        op.create_index("ix_outbox_uses_status", "outbox_uses", ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("outbox_uses")
    op.drop_table("outbox_fetches")
    op.drop_table("outbox")
    op.drop_table("indexer_cursor")
    op.drop_table("documents")
    op.drop_table("document_keys")
    op.drop_table("chain_events")
    op.drop_table("api_tokens")
