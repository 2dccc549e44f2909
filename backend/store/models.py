"""Tables of the encrypted document store.

``documents`` describes a ciphertext on disk (content-addressed by the
keccak256 of the plaintext, exactly the hash the catalog anchors on chain).
``document_keys`` holds the per-document data key wrapped once per department
allowed to read it; deleting a row revokes that department's access.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base


class Document(Base):
    __tablename__ = "documents"

    content_hash: Mapped[str] = mapped_column(String(66), primary_key=True)  # 0x + 64 lowercase hex
    owner: Mapped[str] = mapped_column(String(42), nullable=False)  # checksum address
    resource_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    media_type: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class DocumentKey(Base):
    __tablename__ = "document_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(66), nullable=False, index=True)
    department: Mapped[str] = mapped_column(String(42), nullable=False)  # checksum address
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("content_hash", "department", name="uq_document_keys_hash_dept"),)
