"""Tables of the peer release protocol.

Owner side:
- ``peer_release_nonces``: every nonce of an accepted, unexpired request (unique: a replay is
  refused); once the request's expiry has passed the row is pruned (expiry refuses it then);
- ``peer_releases``: THE release ledger, one row per recorded use ``(grant_id, use_index)``
  (unique): the sealed envelope and the owner's signed receipt, written in the same
  transaction as the nonce before the answer leaves. A later valid request for the
  same use gets these very bytes back: at most one release per recorded use.
  ``release_tx`` is the ``UsageRights.recordRelease`` transaction that made the release an
  on-chain fact (NULL until it is mined: backend.federation.onchain sends it after the commit).

Requester side:
- ``peer_use_intents``: a use this node is about to record, written BEFORE its
  ``recordUse`` transaction is signed (keyed by the Idempotency-Key) and deleted when
  the use is noted in ``peer_uses``. It holds what the chain does not (the field list:
  on chain there is only its hash), so a crash between signing and noting loses nothing:
  ``PeerClient.recover`` notes the use once its outbox row is mined;
- ``peer_uses``: each use this node recorded to fetch from a peer, and, once released,
  the owner's receipt (``status`` recorded → released). A use stuck at ``recorded`` is
  what "recorded, not released" means for the requester;
- ``peer_use_retries``: every ``POST /releases/{grant}/{use}/retry``: who asked (the officer's
  salted hash, as on chain), when, and what came of it. A retry records no use on chain, so
  this row is what makes a re-read of an already released use attributable.

Grant ids are uint256, kept as decimal strings (as ``documents.resource_id``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base


class PeerReleaseNonce(Base):
    __tablename__ = "peer_release_nonces"

    nonce: Mapped[str] = mapped_column(String(66), primary_key=True)  # 0x + 64 hex
    signer: Mapped[str] = mapped_column(String(42), nullable=False)
    grant_id: Mapped[str] = mapped_column(String(80), nullable=False)
    use_index: Mapped[int] = mapped_column(Integer, nullable=False)
    # the request's, chain seconds; indexed: expired nonces are pruned (backend.federation.release)
    expires_at: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PeerRelease(Base):
    __tablename__ = "peer_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grant_id: Mapped[str] = mapped_column(String(80), nullable=False)
    use_index: Mapped[int] = mapped_column(Integer, nullable=False)
    use_tx: Mapped[str] = mapped_column(String(66), nullable=False)
    grantee: Mapped[str] = mapped_column(String(42), nullable=False, index=True)
    resource_id: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    subject_hash: Mapped[str] = mapped_column(String(66), nullable=False)  # zero: an aggregate use
    fields_hash: Mapped[str] = mapped_column(String(66), nullable=False)
    record_count: Mapped[int] = mapped_column(Integer, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(66), nullable=False)  # sha256 of the plaintext
    envelope: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    envelope_hash: Mapped[str] = mapped_column(String(66), nullable=False)
    released_at: Mapped[int] = mapped_column(BigInteger, nullable=False)  # chain seconds
    receipt_signature: Mapped[str] = mapped_column(String(132), nullable=False)
    first_nonce: Mapped[str] = mapped_column(String(66), nullable=False)
    # the mined recordRelease transaction; NULL: the release is still owed to the chain
    release_tx: Mapped[str | None] = mapped_column(String(66), nullable=True, index=True)

    __table_args__ = (UniqueConstraint("grant_id", "use_index", name="uq_peer_releases_use"),)


class PeerUseIntent(Base):
    __tablename__ = "peer_use_intents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)  # outbox: peer.use:<key>
    grant_id: Mapped[str] = mapped_column(String(80), nullable=False)
    owner: Mapped[str] = mapped_column(String(42), nullable=False)
    subject_hash: Mapped[str] = mapped_column(String(66), nullable=False)
    fields_json: Mapped[str] = mapped_column(Text, nullable=False)  # the approved field list, sorted
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PeerUse(Base):
    __tablename__ = "peer_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grant_id: Mapped[str] = mapped_column(String(80), nullable=False)
    use_index: Mapped[int] = mapped_column(Integer, nullable=False)
    use_tx: Mapped[str] = mapped_column(String(66), nullable=False)
    owner: Mapped[str] = mapped_column(String(42), nullable=False, index=True)
    subject_hash: Mapped[str] = mapped_column(String(66), nullable=False)
    fields_json: Mapped[str] = mapped_column(Text, nullable=False)  # the approved field list, sorted
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # recorded | released
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    content_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    envelope_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    released_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    receipt_signature: Mapped[str | None] = mapped_column(String(132), nullable=True)

    __table_args__ = (UniqueConstraint("grant_id", "use_index", name="uq_peer_uses_use"),)


class PeerUseRetry(Base):
    __tablename__ = "peer_use_retries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grant_id: Mapped[str] = mapped_column(String(80), nullable=False)
    use_index: Mapped[int] = mapped_column(Integer, nullable=False)
    officer_hash: Mapped[str] = mapped_column(String(66), nullable=False)  # salted, as UseRecorded carries it
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # asked (written before the owner is asked) -> released | replayed | the error's name
    outcome: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (Index("ix_peer_use_retries_use", "grant_id", "use_index"),)
