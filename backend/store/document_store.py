"""Encrypted, content-addressed document store.

Ciphertexts live at ``<dir>/<first 2 hex>/<64 hex>.bin`` named by the keccak256
of the plaintext (the hash the catalog anchors on chain). Whoever holds only
the disk, or only the database, reads nothing: data keys are wrapped with
per-department keys derived from the keystore secret, which is neither on
disk nor in the database.

This class enforces *possession of a wrapped key*; whether a department
*should* get one (a live on-chain grant) is decided by the services layer
before it calls ``grant_access``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast

from eth_utils import is_hex_address, keccak, to_checksum_address
from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.store import crypto
from backend.store.models import Document, DocumentKey


class StoreError(Exception):
    # set by the service that filed a TAMPER incident for it (answered with the error)
    incident: dict[str, Any]


class AccessDenied(StoreError):
    def __init__(self, content_hash: str, department: str) -> None:
        super().__init__(f"department {department} holds no key for document {content_hash}")
        self.content_hash = content_hash
        self.department = department


class DocumentMissing(StoreError):
    def __init__(self, content_hash: str, reason: str) -> None:
        super().__init__(f"document {content_hash} missing: {reason}")
        self.content_hash = content_hash
        self.reason = reason


class TamperDetected(StoreError):
    """Stored data does not match the hash asked for. ``actual`` is the keccak
    of what decrypted, or None when decryption itself failed (GCM tag)."""

    def __init__(self, expected: str, actual: str | None, reason: str = "") -> None:
        super().__init__(f"document {expected} tampered: {reason or f'plaintext hashes to {actual}'}")
        self.expected = expected
        self.actual = actual
        self.reason = reason


class CannotRevokeOwner(StoreError):
    def __init__(self, content_hash: str) -> None:
        super().__init__(f"the owner's key for {content_hash} cannot be revoked")
        self.content_hash = content_hash


IntegrityStatus = Literal["ok", "tampered", "missing"]


@dataclass(frozen=True)
class IntegrityReport:
    status: IntegrityStatus
    content_hash: str
    expected_hash: str
    actual_hash: str | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def normalise_hash(value: bytes | str) -> str:
    """0x + 64 lowercase hex."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 32:
            raise ValueError("content hash must be 32 bytes")
        return "0x" + bytes(value).hex()
    h = value.lower()
    if not h.startswith("0x"):
        h = "0x" + h
    if len(h) != 66 or any(c not in "0123456789abcdef" for c in h[2:]):
        raise ValueError(f"not a 32-byte hex hash: {value!r}")
    return h


def _address(value: str) -> str:
    if not is_hex_address(value):
        raise ValueError(f"not an address: {value!r}")
    return to_checksum_address(value)


class DocumentStore:
    def __init__(self, directory: Path | str, secret: str, session_factory: Callable[[], Session]) -> None:
        if not secret:
            raise ValueError("document store needs a non-empty secret")
        self.dir = Path(directory)
        self._secret = secret
        self._sessions = session_factory
        self._keks: dict[str, bytes] = {}
        self._kek_lock = threading.Lock()
        self._master: bytes | None = None

    def __repr__(self) -> str:
        return f"DocumentStore(dir={str(self.dir)!r})"

    # -- public API ----------------------------------------------------------
    def put(
        self,
        data: bytes,
        owner: str,
        media_type: str,
        resource_id: str | int | None = None,
        version: int | None = None,
    ) -> str:
        """Encrypt and store ``data``; returns its content hash (0x-hex).

        Content-addressed, so storing the same bytes again is a no-op that
        returns the same hash (metadata of the first put is kept). A second
        department that stores identical bytes proves possession of the
        plaintext and receives its own wrapped key.
        """
        owner = _address(owner)
        h = "0x" + keccak(data).hex()
        hb = bytes.fromhex(h[2:])
        with self._sessions() as s, s.begin():
            existing = s.get(Document, h)
            if existing is not None:
                if self._wrapped(s, h, owner) is None:
                    data_key = self._any_data_key(s, h)
                    self._add_key(s, h, owner, data_key)
                return h
            data_key = secrets.token_bytes(32)
            doc = Document(
                content_hash=h,
                owner=owner,
                resource_id=None if resource_id is None else str(resource_id),
                version=version,
                media_type=media_type,
                size=len(data),
                stored_at=datetime.now(UTC),
            )
            blob = crypto.seal(data_key, data, self._ad(hb, doc))
            # File first, then rows in one commit: a crash leaves at most an
            # orphan ciphertext nobody can decrypt, never a row without data.
            self._atomic_write(self.path_for(h), blob)
            s.add(doc)
            self._add_key(s, h, owner, data_key)
        return h

    def get(self, content_hash: bytes | str, department: str) -> bytes:
        h = normalise_hash(content_hash)
        department = _address(department)
        with self._sessions() as s:
            wrapped = self._wrapped(s, h, department)
            if wrapped is None:
                raise AccessDenied(h, department)
            doc = s.get(Document, h)
        if doc is None:
            raise DocumentMissing(h, "no documents row")
        return self._decrypt(h, doc, department, wrapped)

    def grant_access(self, content_hash: bytes | str, from_department: str, to_department: str) -> bool:
        """Wrap the data key for ``to_department``; returns False if it already had it."""
        h = normalise_hash(content_hash)
        src, dst = _address(from_department), _address(to_department)
        with self._sessions() as s, s.begin():
            wrapped = self._wrapped(s, h, src)
            if wrapped is None:
                raise AccessDenied(h, src)
            if self._wrapped(s, h, dst) is not None:
                return False
            data_key = self._unwrap(h, src, wrapped)
            try:
                with s.begin_nested():
                    self._add_key(s, h, dst, data_key)
            except IntegrityError:  # granted concurrently
                return False
        return True

    def revoke_access(self, content_hash: bytes | str, department: str) -> bool:
        """Delete ``department``'s wrapped key; returns whether one existed."""
        h = normalise_hash(content_hash)
        department = _address(department)
        with self._sessions() as s, s.begin():
            doc = s.get(Document, h)
            if doc is not None and doc.owner == department:
                raise CannotRevokeOwner(h)
            res = cast(
                "CursorResult[Any]",
                s.execute(
                    delete(DocumentKey).where(DocumentKey.content_hash == h, DocumentKey.department == department)
                ),
            )
            return res.rowcount > 0

    def has_access(self, content_hash: bytes | str, department: str) -> bool:
        with self._sessions() as s:
            return self._wrapped(s, normalise_hash(content_hash), _address(department)) is not None

    def key_holder(self, content_hash: bytes | str, *prefer: str) -> str | None:
        """A department holding a wrapped data key for ``content_hash`` (the first of
        ``prefer`` that holds one, else the document's stored owner, else any holder);
        None when no key is left. After an ownership transfer on chain the new owner
        holds no key: callers unwrap from whoever does."""
        h = normalise_hash(content_hash)
        with self._sessions() as s:
            holders = list(
                s.scalars(select(DocumentKey.department).where(DocumentKey.content_hash == h).order_by(DocumentKey.id))
            )
            if not holders:
                return None
            doc = s.get(Document, h)
        candidates = [_address(p) for p in prefer if is_hex_address(p)]
        if doc is not None:
            candidates.append(doc.owner)
        return next((c for c in candidates if c in holders), holders[0])

    def metadata(self, content_hash: bytes | str) -> Document | None:
        with self._sessions() as s:
            return s.get(Document, normalise_hash(content_hash))

    def find(self, resource_id: str | int, version: int | None = None) -> list[Document]:
        stmt = select(Document).where(Document.resource_id == str(resource_id))
        if version is not None:
            stmt = stmt.where(Document.version == version)
        with self._sessions() as s:
            return list(s.scalars(stmt.order_by(Document.version, Document.stored_at)))

    def verify(self, content_hash: bytes | str, department: str, expected_onchain_hash: bytes | str) -> IntegrityReport:
        """Integrity check for the auditor: decrypts with ``department``'s key
        and compares against the hash anchored on chain. Never raises for
        integrity problems; they are reported."""
        h = normalise_hash(content_hash)
        expected = normalise_hash(expected_onchain_hash)
        department = _address(department)

        def report(status: IntegrityStatus, reason: str, actual: str | None = None) -> IntegrityReport:
            return IntegrityReport(status, h, expected, actual, reason)

        if h != expected:
            return report("tampered", "stored content hash differs from the on-chain anchor", h)
        with self._sessions() as s:
            doc = s.get(Document, h)
            wrapped = self._wrapped(s, h, department)
        file_exists = self.path_for(h).exists()
        if doc is None:
            if file_exists:
                return report("tampered", "ciphertext present but its documents row is gone or re-keyed")
            return report("missing", "no documents row and no ciphertext")
        if not file_exists:
            return report("missing", "ciphertext file missing")
        if wrapped is None:
            return report("missing", f"no wrapped key for department {department}")
        try:
            data = self._decrypt(h, doc, department, wrapped)
        except TamperDetected as exc:
            return report("tampered", exc.reason or "plaintext hash mismatch", exc.actual)
        except DocumentMissing as exc:
            return report("missing", exc.reason)
        return report("ok", "ciphertext decrypts and hashes to the on-chain anchor", "0x" + keccak(data).hex())

    def path_for(self, content_hash: bytes | str) -> Path:
        hexpart = normalise_hash(content_hash)[2:]
        return self.dir / hexpart[:2] / f"{hexpart}.bin"

    # -- internals -----------------------------------------------------------
    def _master_key(self) -> bytes:
        """scrypt-stretched secret with this store's random salt (``.kek-salt``,
        created 0600 on first use); computed once per process. Caller holds _kek_lock."""
        if self._master is None:
            salt_file = self.dir / ".kek-salt"
            if not salt_file.exists():
                self.dir.mkdir(parents=True, exist_ok=True)
                tmp = salt_file.with_suffix(".tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(os.urandom(16))
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, salt_file)
            self._master = crypto.stretch_secret(self._secret, salt_file.read_bytes())
        return self._master

    def _kek(self, department: str) -> bytes:
        with self._kek_lock:
            kek = self._keks.get(department)
            if kek is None:
                kek = self._keks[department] = crypto.derive_kek(self._master_key(), department)
            return kek

    @staticmethod
    def _ad(hb: bytes, doc: Document) -> bytes:
        return crypto.document_ad(hb, doc.owner, doc.resource_id, doc.version, doc.media_type, doc.size)

    @staticmethod
    def _wrapped(s: Session, h: str, department: str) -> bytes | None:
        return s.scalar(
            select(DocumentKey.wrapped_key).where(DocumentKey.content_hash == h, DocumentKey.department == department)
        )

    def _add_key(self, s: Session, h: str, department: str, data_key: bytes) -> None:
        wrapped = crypto.wrap_key(self._kek(department), data_key, bytes.fromhex(h[2:]), department)
        s.add(DocumentKey(content_hash=h, department=department, wrapped_key=wrapped, created_at=datetime.now(UTC)))
        s.flush()

    def _unwrap(self, h: str, department: str, wrapped: bytes) -> bytes:
        try:
            return crypto.unwrap_key(self._kek(department), wrapped, bytes.fromhex(h[2:]), department)
        except crypto.InvalidTag:
            raise TamperDetected(h, None, f"wrapped key of {department} does not unwrap") from None

    def _any_data_key(self, s: Session, h: str) -> bytes:
        row = s.scalars(select(DocumentKey).where(DocumentKey.content_hash == h).limit(1)).first()
        if row is None:
            raise DocumentMissing(h, "no wrapped key left for this document")
        return self._unwrap(h, row.department, row.wrapped_key)

    def _decrypt(self, h: str, doc: Document, department: str, wrapped: bytes) -> bytes:
        data_key = self._unwrap(h, department, wrapped)
        try:
            blob = self.path_for(h).read_bytes()
        except FileNotFoundError:
            raise DocumentMissing(h, "ciphertext file missing") from None
        try:
            data = crypto.open_sealed(data_key, blob, self._ad(bytes.fromhex(h[2:]), doc))
        except crypto.InvalidTag:
            raise TamperDetected(
                h, None, "authentication failed: ciphertext or its documents row was altered"
            ) from None
        actual = "0x" + keccak(data).hex()
        if actual != h:
            raise TamperDetected(h, actual, f"plaintext hashes to {actual}")
        return data

    @staticmethod
    def _atomic_write(path: Path, blob: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".bin")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        # fsync the directory so the rename itself survives a power cut.
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
