"""Officer accounts of this node: the people who act for its department.

An officer signs in with a username, a password (argon2id, through argon2-cffi) and a TOTP code
(pyotp). The TOTP secret is stored encrypted (AES-256-GCM under a key derived from the node's
secret), and every row carries a MAC (:mod:`backend.core.rowmac`) over its security-relevant
columns: an account inserted or edited in the database by hand (a new admin, a changed password
hash, a cleared ``removed_at``) verifies as nothing.

An account acts for one chain identity (``member_role`` + ``principal``: the node's department,
or a governor/auditor), so tokens issued at sign-in name that identity and the person.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import BigInteger, DateTime, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.core.aead import InvalidTag, aes_gcm_decrypt, aes_gcm_encrypt
from backend.core.db import Base
from backend.core.rowmac import OFFICER_MAC_LABEL, OFFICER_TOTP_LABEL, derive_key, mac_ok, row_mac

OFFICER_ROLES = frozenset({"admin", "officer"})
MEMBER_ROLES = frozenset({"department", "governor", "auditor"})
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
TOTP_ISSUER = "GovChain"
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


class OfficerError(Exception):
    pass


class OfficerExists(OfficerError):
    def __init__(self, username: str) -> None:
        super().__init__(f"officer {username!r} already exists")
        self.username = username


class OfficerNotFound(OfficerError):
    def __init__(self, username: str) -> None:
        super().__init__(f"no officer {username!r}")
        self.username = username


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)  # admin | officer
    member_role: Mapped[str] = mapped_column(String(16), nullable=False)  # department | governor | auditor
    principal: Mapped[str] = mapped_column(String(66), nullable=False)  # the chain address it acts for
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    totp_secret_enc: Mapped[str] = mapped_column(String(200), nullable=False)
    # the last TOTP time step accepted: a code works once (an observed code cannot be replayed)
    totp_last_step: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)


@dataclass(frozen=True)
class OfficerInfo:
    username: str
    display_name: str
    role: str
    member_role: str
    principal: str
    created_at: datetime
    removed_at: datetime | None

    @property
    def active(self) -> bool:
        return self.removed_at is None


@dataclass(frozen=True)
class Enrolment:
    """What an enrolment hands out once: the initial password and the TOTP secret."""

    officer: OfficerInfo
    password: str
    totp_secret: str
    totp_uri: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt


def _iso(dt: datetime | None) -> str | None:
    d = _aware(dt)
    return None if d is None else d.astimezone(UTC).isoformat()


def _mac_fields(row: Officer) -> list[object]:
    return [
        row.id,
        row.username,
        row.display_name,
        row.role,
        row.member_role,
        row.principal,
        row.password_hash,
        row.totp_secret_enc,
        row.totp_last_step,
        _iso(row.created_at),
        _iso(row.removed_at),
    ]


def _info(row: Officer) -> OfficerInfo:
    return OfficerInfo(
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        member_role=row.member_role,
        principal=row.principal,
        created_at=_aware(row.created_at),  # type: ignore[arg-type]
        removed_at=_aware(row.removed_at),
    )


class OfficerKeys:
    """The two keys of officer rows, derived from the node's secret with their own labels."""

    def __init__(self, secret: str) -> None:
        self.mac_key = derive_key(secret, OFFICER_MAC_LABEL)
        self._totp_key = derive_key(secret, OFFICER_TOTP_LABEL)  # AES-256-GCM

    def row_ok(self, row: Officer) -> bool:
        return mac_ok(self.mac_key, Officer.__tablename__, _mac_fields(row), row.mac)

    def seal_row(self, row: Officer) -> None:
        row.mac = row_mac(self.mac_key, Officer.__tablename__, _mac_fields(row))

    def encrypt_totp(self, username: str, secret: str) -> str:
        nonce = secrets.token_bytes(12)
        blob = nonce + aes_gcm_encrypt(self._totp_key, nonce, secret.encode(), b"totp:" + username.encode())
        return base64.urlsafe_b64encode(blob).decode()

    def decrypt_totp(self, username: str, sealed: str) -> str | None:
        try:
            blob = base64.urlsafe_b64decode(sealed.encode())
            return aes_gcm_decrypt(self._totp_key, blob[:12], blob[12:], b"totp:" + username.encode()).decode()
        except (InvalidTag, ValueError):
            return None


def _matching_step(totp: pyotp.TOTP, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is (this one or a neighbour, for clock drift), else None."""
    if not code.isdigit() or len(code) != totp.digits:
        return None
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def active_officer(s: Session, keys: OfficerKeys, username: str) -> OfficerInfo | None:
    """The account ``username`` if its row verifies and it is not removed, else None."""
    row = s.scalars(select(Officer).where(Officer.username == username)).first()
    if row is None or not keys.row_ok(row) or row.removed_at is not None:
        return None
    return _info(row)


class OfficerStore:
    """Enrol, verify, remove and list the officer accounts of one database."""

    def __init__(
        self, session_factory: Callable[[], Session], secret: str, now: Callable[[], datetime] = _utcnow
    ) -> None:
        self._sessions = session_factory
        self.keys = OfficerKeys(secret)
        self._now = now

    def enrol(
        self, username: str, display_name: str, role: str, member_role: str, principal: str, password: str | None = None
    ) -> Enrolment:
        if not USERNAME_RE.match(username):
            raise ValueError("username: 1-64 characters of a-z 0-9 . _ - (starting with a letter or digit)")
        if role not in OFFICER_ROLES:
            raise ValueError(f"role must be one of {sorted(OFFICER_ROLES)}")
        if member_role not in MEMBER_ROLES:
            raise ValueError(f"member role must be one of {sorted(MEMBER_ROLES)}")
        password = password or secrets.token_urlsafe(15)
        totp_secret = pyotp.random_base32()
        with self._sessions() as s, s.begin():
            if s.scalars(select(Officer.id).where(Officer.username == username)).first() is not None:
                raise OfficerExists(username)
            row = Officer(
                username=username,
                display_name=display_name.strip() or username,
                role=role,
                member_role=member_role,
                principal=principal,
                password_hash=_hasher.hash(password),
                totp_secret_enc=self.keys.encrypt_totp(username, totp_secret),
                created_at=self._now(),
                totp_last_step=0,
                mac="",
            )
            s.add(row)
            s.flush()  # the id is part of the MAC: a row copied under another id fails
            self.keys.seal_row(row)
            info = _info(row)
        uri = pyotp.TOTP(totp_secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)
        return Enrolment(info, password, totp_secret, uri)

    def verify(self, username: str, password: str, code: str) -> OfficerInfo | None:
        """The account when the password and the current TOTP code are right, the row verifies and
        it is not removed; else None (which of them failed is not said)."""
        return self.verify_factors(username, password, code)[0]

    def verify_factors(self, username: str, password: str, code: str) -> tuple[OfficerInfo | None, bool]:
        """:meth:`verify`, and whether the password was right (for the caller's throttle only:
        a wrong second factor after the right password means the password is known)."""
        with self._sessions() as s, s.begin():
            row = s.scalars(select(Officer).where(Officer.username == username)).first()
            if row is None or not self.keys.row_ok(row) or row.removed_at is not None:
                _hasher.hash(password)  # same cost whether or not the account exists
                return None, False
            try:
                _hasher.verify(row.password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return None, False
            secret = self.keys.decrypt_totp(row.username, row.totp_secret_enc)
            step = None if secret is None else _matching_step(pyotp.TOTP(secret), code.strip(), self._now())
            if step is None or step <= row.totp_last_step:
                return None, True  # wrong, or already used (replayed)
            # The step is taken by a conditional UPDATE, not by writing back what was read: two
            # concurrent sign-ins with one code both read the old step, but only one UPDATE still
            # finds it lower (PostgreSQL re-checks the WHERE on the row the other one committed).
            s.expunge(row)  # the row's new values go through the UPDATE below only
            row.totp_last_step = step
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            self.keys.seal_row(row)
            taken = s.execute(
                update(Officer)
                .where(Officer.id == row.id, Officer.totp_last_step < step)
                .values(totp_last_step=step, password_hash=row.password_hash, mac=row.mac)
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) != 1:
                return None, True  # another sign-in took this code (or a later one) meanwhile
            return _info(row), True

    def remove(self, username: str) -> OfficerInfo:
        with self._sessions() as s, s.begin():
            row = s.scalars(select(Officer).where(Officer.username == username)).first()
            if row is None or not self.keys.row_ok(row):
                raise OfficerNotFound(username)
            if row.removed_at is None:
                row.removed_at = self._now()
                self.keys.seal_row(row)
            return _info(row)

    def get(self, username: str) -> OfficerInfo | None:
        with self._sessions() as s:
            return active_officer(s, self.keys, username)

    def list(self) -> list[OfficerInfo]:
        """Every account whose row verifies (a forged row is not listed), oldest first."""
        with self._sessions() as s:
            return [_info(r) for r in s.scalars(select(Officer).order_by(Officer.id)) if self.keys.row_ok(r)]

    def totp_secret(self, username: str) -> str | None:
        """The TOTP secret of an account (the development federation prints it; never an API answer)."""
        with self._sessions() as s:
            row = s.scalars(select(Officer).where(Officer.username == username)).first()
            if row is None or not self.keys.row_ok(row):
                return None
            return self.keys.decrypt_totp(row.username, row.totp_secret_enc)
