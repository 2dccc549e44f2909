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


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "api_tokens" not in existing:
        op.create_table(
            "api_tokens",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("role", sa.String(length=16), nullable=False),
            sa.Column("principal", sa.String(length=66), nullable=False),
            sa.Column("label", sa.String(length=200), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token_hash"),
        )
        op.create_index("ix_api_tokens_principal", "api_tokens", ["principal"], unique=False)

    if "chain_events" not in existing:
        op.create_table(
            "chain_events",
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            sa.Column("block_hash", sa.String(length=66), nullable=False),
            sa.Column("block_time", sa.BigInteger(), nullable=True),
            sa.Column("tx_hash", sa.String(length=66), nullable=False),
            sa.Column("log_index", sa.Integer(), nullable=False),
            sa.Column("contract", sa.String(length=64), nullable=False),
            sa.Column("address", sa.String(length=42), nullable=False),
            sa.Column("event", sa.String(length=64), nullable=False),
            sa.Column("args", sa.JSON(), nullable=False),
            sa.Column("resource_id", sa.String(length=80), nullable=True),
            sa.Column("grant_id", sa.String(length=80), nullable=True),
            sa.Column("request_id", sa.String(length=80), nullable=True),
            sa.Column("incident_id", sa.String(length=80), nullable=True),
            sa.Column("department", sa.String(length=42), nullable=True),
            sa.Column("officer_hash", sa.String(length=66), nullable=True),
            sa.Column("subject_hash", sa.String(length=66), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("tx_hash", "log_index", name="uq_chain_events_tx_log"),
        )
        op.create_index("ix_chain_events_block", "chain_events", ["block_number", "log_index"], unique=False)
        op.create_index(
            "ix_chain_events_department", "chain_events", ["department", "block_number", "log_index"], unique=False
        )
        op.create_index("ix_chain_events_event", "chain_events", ["event", "block_number", "log_index"], unique=False)
        op.create_index(
            "ix_chain_events_grant", "chain_events", ["grant_id", "block_number", "log_index"], unique=False
        )
        op.create_index(
            "ix_chain_events_incident", "chain_events", ["incident_id", "block_number", "log_index"], unique=False
        )
        op.create_index(
            "ix_chain_events_officer", "chain_events", ["officer_hash", "block_number", "log_index"], unique=False
        )
        op.create_index(
            "ix_chain_events_request", "chain_events", ["request_id", "block_number", "log_index"], unique=False
        )
        op.create_index(
            "ix_chain_events_resource", "chain_events", ["resource_id", "block_number", "log_index"], unique=False
        )
        op.create_index(
            "ix_chain_events_subject", "chain_events", ["subject_hash", "block_number", "log_index"], unique=False
        )
        op.create_index("ix_chain_events_time", "chain_events", ["block_time"], unique=False)

    if "document_keys" not in existing:
        op.create_table(
            "document_keys",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("content_hash", sa.String(length=66), nullable=False),
            sa.Column("department", sa.String(length=42), nullable=False),
            sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("content_hash", "department", name="uq_document_keys_hash_dept"),
        )
        op.create_index("ix_document_keys_content_hash", "document_keys", ["content_hash"], unique=False)

    if "documents" not in existing:
        op.create_table(
            "documents",
            sa.Column("content_hash", sa.String(length=66), nullable=False),
            sa.Column("owner", sa.String(length=42), nullable=False),
            sa.Column("resource_id", sa.String(length=80), nullable=True),
            sa.Column("version", sa.Integer(), nullable=True),
            sa.Column("media_type", sa.String(length=255), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
            sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("content_hash"),
        )
        op.create_index("ix_documents_resource_id", "documents", ["resource_id"], unique=False)

    if "indexer_cursor" not in existing:
        op.create_table(
            "indexer_cursor",
            sa.Column("name", sa.String(length=64), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            sa.Column("block_hash", sa.String(length=66), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("name"),
        )

    if "outbox" not in existing:
        op.create_table(
            "outbox",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("signer", sa.String(length=42), nullable=False),
            sa.Column("idempotency_key", sa.String(length=200), nullable=True),
            sa.Column("nonce", sa.BigInteger(), nullable=False),
            sa.Column("contract_name", sa.String(length=100), nullable=False),
            sa.Column("fn_name", sa.String(length=100), nullable=False),
            sa.Column("to_address", sa.String(length=42), nullable=False),
            sa.Column("data", sa.Text(), nullable=False),
            sa.Column("raw_tx", sa.Text(), nullable=False),
            sa.Column("tx_hash", sa.String(length=66), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=True),
            sa.Column("gas_used", sa.BigInteger(), nullable=True),
            sa.Column("revert", sa.JSON(), nullable=True),
            sa.Column("events", sa.JSON(), nullable=True),
            sa.Column("error", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("signer", "idempotency_key", name="uq_outbox_signer_key"),
            sa.UniqueConstraint("tx_hash"),
        )
        op.create_index("ix_outbox_signer_nonce", "outbox", ["signer", "nonce"], unique=False)
        op.create_index("ix_outbox_status", "outbox", ["status"], unique=False)

    if "outbox_fetches" not in existing:
        op.create_table(
            "outbox_fetches",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("signer", sa.String(length=42), nullable=False),
            sa.Column("idempotency_key", sa.String(length=200), nullable=False),
            sa.Column("version", sa.BigInteger(), nullable=False),
            sa.Column("content_hash", sa.String(length=66), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("signer", "idempotency_key", name="uq_outbox_fetches_signer_key"),
        )

    if "outbox_uses" not in existing:
        op.create_table(
            "outbox_uses",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("signer", sa.String(length=42), nullable=False),
            sa.Column("idempotency_key", sa.String(length=200), nullable=False),
            sa.Column("grant_id", sa.String(length=80), nullable=False),
            sa.Column("officer_hash", sa.String(length=66), nullable=False),
            sa.Column("subject_hash", sa.String(length=66), nullable=False),
            sa.Column("context_ref", sa.String(length=66), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("batch_tx_id", sa.Integer(), nullable=True),
            sa.Column("position", sa.Integer(), nullable=True),
            sa.Column("use_index", sa.BigInteger(), nullable=True),
            sa.Column("tx_hash", sa.String(length=66), nullable=True),
            sa.Column("block_number", sa.BigInteger(), nullable=True),
            sa.Column("event", sa.JSON(), nullable=True),
            sa.Column("revert", sa.JSON(), nullable=True),
            sa.Column("error", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
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
