"""The durable outbox: every signed transaction is a row BEFORE it is broadcast.

Status moves one way: signed -> sent -> mined | reverted, or -> failed when the
node definitively refused the transaction. ``reconcile`` re-sends the stored
raw transaction of signed/sent rows; nothing is ever re-signed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    CursorResult,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.core.db import Base

SIGNED, SENT, MINED, REVERTED, FAILED = "signed", "sent", "mined", "reverted", "failed"
IN_FLIGHT = (SIGNED, SENT)
FINAL = (MINED, REVERTED, FAILED)


def _now() -> datetime:
    return datetime.now(UTC)


class _Outcome:
    """The last columns of a row the sender moves through states: why it failed, when written, when changed."""

    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # why the node refused it (status failed)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class OutboxTx(_Outcome, Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # NULL keys (no idempotency requested) do not collide, in SQLite and PostgreSQL alike.
        UniqueConstraint("signer", "idempotency_key", name="uq_outbox_signer_key"),
        Index("ix_outbox_signer_nonce", "signer", "nonce"),
        Index("ix_outbox_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signer: Mapped[str] = mapped_column(String(42))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    nonce: Mapped[int] = mapped_column(BigInteger)
    contract_name: Mapped[str] = mapped_column(String(100))
    fn_name: Mapped[str] = mapped_column(String(100))
    to: Mapped[str] = mapped_column("to_address", String(42))
    data: Mapped[str] = mapped_column(Text)  # 0x-hex calldata
    raw_tx: Mapped[str] = mapped_column(Text)  # 0x-hex signed transaction, re-sent as is
    tx_hash: Mapped[str] = mapped_column(String(66), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=SIGNED)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revert: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # {"error", "args"}
    events: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)


def find_by_key(session: Session, signer: str, key: str) -> OutboxTx | None:
    return session.scalars(
        select(OutboxTx).where(OutboxTx.signer == signer, OutboxTx.idempotency_key == key)
    ).one_or_none()


def get(session: Session, row_id: int) -> OutboxTx | None:
    return session.get(OutboxTx, row_id)


def next_nonce(session: Session, signer: str) -> int:
    """Highest nonce this signer has in the outbox + 1 (failed rows never reached
    the chain, so their nonce may be handed out again)."""
    top = session.scalar(select(func.max(OutboxTx.nonce)).where(OutboxTx.signer == signer, OutboxTx.status != FAILED))
    return 0 if top is None else int(top) + 1


def gap_nonces(session: Session, signer: str) -> list[int]:
    """Nonces the node refused (every row at them failed) that lie below one of the
    signer's transactions still in flight and above its last mined/reverted one: until
    something is mined at such a nonce, every later transaction of the signer waits in
    the node's future queue."""
    top = session.scalar(
        select(func.max(OutboxTx.nonce)).where(OutboxTx.signer == signer, OutboxTx.status.in_(IN_FLIGHT))
    )
    if top is None:
        return []
    floor = session.scalar(
        select(func.max(OutboxTx.nonce)).where(OutboxTx.signer == signer, OutboxTx.status.in_((MINED, REVERTED)))
    )
    live = select(OutboxTx.nonce).where(OutboxTx.signer == signer, OutboxTx.status != FAILED)
    q = (
        select(OutboxTx.nonce)
        .distinct()
        .where(OutboxTx.signer == signer, OutboxTx.status == FAILED, OutboxTx.nonce < top, OutboxTx.nonce.not_in(live))
    )
    if floor is not None:
        q = q.where(OutboxTx.nonce > floor)
    return sorted(int(n) for n in session.scalars(q))


def in_flight(session: Session) -> list[OutboxTx]:
    return list(
        session.scalars(
            select(OutboxTx).where(OutboxTx.status.in_(IN_FLIGHT)).order_by(OutboxTx.signer, OutboxTx.nonce)
        )
    )


def mark_sent(session: Session, row_id: int) -> None:
    # Conditional: a watcher may already have recorded the receipt.
    session.execute(
        update(OutboxTx).where(OutboxTx.id == row_id, OutboxTx.status == SIGNED).values(status=SENT, updated_at=_now())
    )


def mark_final(
    session: Session,
    row_id: int,
    *,
    status: str,
    block_number: int | None = None,
    gas_used: int | None = None,
    events: list[dict[str, Any]] | None = None,
    revert: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    session.execute(
        update(OutboxTx)
        .where(OutboxTx.id == row_id, OutboxTx.status.in_(IN_FLIGHT))
        .values(
            status=status,
            block_number=block_number,
            gas_used=gas_used,
            events=events,
            revert=revert,
            error=error,
            updated_at=_now(),
        )
    )


# -- uses coalesced into recordUseBatch transactions -------------------------------------------
# A use moves: queued (durable, in no transaction yet) -> batched (linked to exactly one
# outbox row, at a position) -> mined (use_index known) | failed (revert/refusal stored).
# A batch whose transaction reverted for a reason that may pass later (e.g. the grant
# was used elsewhere meanwhile) puts its uses back to queued: the reverted transaction
# had no effect, so re-batching them keeps "one key, one use on chain".
USE_QUEUED, USE_BATCHED, USE_MINED, USE_FAILED = "queued", "batched", "mined", "failed"


class OutboxUse(_Outcome, Base):
    __tablename__ = "outbox_uses"
    __table_args__ = (
        UniqueConstraint("signer", "idempotency_key", name="uq_outbox_uses_signer_key"),
        Index("ix_outbox_uses_status", "status"),
        Index("ix_outbox_uses_batch", "batch_tx_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signer: Mapped[str] = mapped_column(String(42))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    grant_id: Mapped[str] = mapped_column(String(80))  # uint256 as decimal text (portable)
    officer_hash: Mapped[str] = mapped_column(String(66))
    subject_hash: Mapped[str] = mapped_column(String(66))
    context_ref: Mapped[str] = mapped_column(String(66))
    status: Mapped[str] = mapped_column(String(16), default=USE_QUEUED)
    batch_tx_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # outbox.id of its batch
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    use_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    event: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # its UseRecorded args
    revert: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


def find_use(session: Session, signer: str, key: str) -> OutboxUse | None:
    return session.scalars(
        select(OutboxUse).where(OutboxUse.signer == signer, OutboxUse.idempotency_key == key)
    ).one_or_none()


def uses_in_state(session: Session, *statuses: str) -> list[OutboxUse]:
    return list(session.scalars(select(OutboxUse).where(OutboxUse.status.in_(statuses)).order_by(OutboxUse.id)))


def uses_of_batch(session: Session, batch_tx_id: int) -> list[OutboxUse]:
    return list(
        session.scalars(select(OutboxUse).where(OutboxUse.batch_tx_id == batch_tx_id).order_by(OutboxUse.position))
    )


def link_uses(session: Session, batch_tx_id: int, use_ids: list[int]) -> int:
    """Attach queued uses to a batch row, in order. Returns how many were still queued
    (the caller rolls back unless all were): a use joins exactly one batch.

    One executemany for the whole batch, then one count of the rows now linked to this
    batch (the conditional WHERE leaves a use that is no longer queued untouched)."""
    if not use_ids:
        return 0
    now = _now()
    stmt = (
        update(OutboxUse)
        .where(OutboxUse.id == bindparam("uid"), OutboxUse.status == USE_QUEUED, OutboxUse.batch_tx_id.is_(None))
        .values(status=USE_BATCHED, batch_tx_id=batch_tx_id, position=bindparam("pos"), updated_at=now)
    )
    session.connection().execute(stmt, [{"uid": uid, "pos": pos} for pos, uid in enumerate(use_ids)])
    return int(
        session.scalar(select(func.count()).select_from(OutboxUse).where(OutboxUse.batch_tx_id == batch_tx_id)) or 0
    )


def requeue_batch(session: Session, batch_tx_id: int) -> int:
    return cast(
        "CursorResult[Any]",
        session.execute(
            update(OutboxUse)
            .where(OutboxUse.batch_tx_id == batch_tx_id, OutboxUse.status == USE_BATCHED)
            .values(status=USE_QUEUED, batch_tx_id=None, position=None, updated_at=_now())
        ),
    ).rowcount


# -- what a fetch's Idempotency-Key released ------------------------------------------------------
# A fetch is one use + the plaintext of one resource version. The use row (OutboxUse)
# knows nothing of the content, so the key is bound here to the version it released:
# a replay returns that same content, and a replay naming other content is refused
# (otherwise one counted use could release every version of the resource).
class OutboxFetch(Base):
    __tablename__ = "outbox_fetches"
    __table_args__ = (UniqueConstraint("signer", "idempotency_key", name="uq_outbox_fetches_signer_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signer: Mapped[str] = mapped_column(String(42))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(66))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


def find_fetch(session: Session, signer: str, key: str) -> OutboxFetch | None:
    return session.scalars(
        select(OutboxFetch).where(OutboxFetch.signer == signer, OutboxFetch.idempotency_key == key)
    ).one_or_none()
