"""Tables the indexer fills from contract events (SQLAlchemy core).

Indexes follow the auditor's questions: every filter column gets a composite
index ending in (block_number, log_index), so "the trail of resource R" is an
index range scan already in chain order and a LIMIT stops early, whatever
the table size.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from backend.core.db import Base

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
_Id = BigInteger().with_variant(Integer(), "sqlite")

# The filter columns (index name suffix, column): each indexed in chain order.
_LOOKUPS = (
    ("resource", "resource_id"),
    ("grant", "grant_id"),
    ("request", "request_id"),
    ("incident", "incident_id"),
    ("department", "department"),
    ("officer", "officer_hash"),
    ("subject", "subject_hash"),
    ("event", "event"),
)

chain_events = Table(
    "chain_events",
    Base.metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", String(66), nullable=False),
    Column("block_time", BigInteger, nullable=True),  # unix seconds
    Column("tx_hash", String(66), nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("contract", String(64), nullable=False),  # name from the manifest
    Column("address", String(42), nullable=False),  # lowercase hex
    Column("event", String(64), nullable=False),  # "UnknownEvent" when no ABI entry matches
    # JSON-safe args: see decoder.to_json for the encoding rules.
    Column("args", JSON, nullable=False),
    # Denormalised filter columns (NULL when the event has no such arg).
    Column("resource_id", String(80), nullable=True),
    Column("grant_id", String(80), nullable=True),
    Column("request_id", String(80), nullable=True),
    Column("incident_id", String(80), nullable=True),
    Column("department", String(42), nullable=True),  # lowercase hex address
    Column("officer_hash", String(66), nullable=True),
    Column("subject_hash", String(66), nullable=True),
    UniqueConstraint("tx_hash", "log_index", name="uq_chain_events_tx_log"),
    Index("ix_chain_events_block", "block_number", "log_index"),
    *(Index(f"ix_chain_events_{name}", column, "block_number", "log_index") for name, column in _LOOKUPS),
    Index("ix_chain_events_time", "block_time"),
)

indexer_cursor = Table(
    "indexer_cursor",
    Base.metadata,
    Column("name", String(64), primary_key=True),
    Column("block_number", BigInteger, nullable=False),  # last fully indexed block
    Column("block_hash", String(66), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
